"""The Event hub: iQualify's webhooks (settings, endpoints, events by category), delivered from a transactional
outbox with Standard Webhooks signatures, retries on the organisation's clock, a pull feed and a NATS relay.

Services raise events through `event_hub.emitters`; the rest of the package is the hub's own: `emit` (staging in
the unit of work), `router`/`service` (the `/event-hub` surface), `dispatcher` (delivery), `relay` (NATS).
"""
