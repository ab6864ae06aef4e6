"""What an operator sees of a running server: request ids, Prometheus metrics, OpenTelemetry traces.

- `requestid`: the request's id (`X-Request-Id`), a context variable that every log line of the request carries.
- `metrics`: the Prometheus metrics and the small functions the request layer, the database code and the Event hub
  call to count (no-ops until an application of the process exposes metrics).
- `middleware`: the outermost layer: the request id, the HTTP metrics, `GET /metrics`.
- `exposition`: a scrape (one process's registry, or every worker's through prometheus-client's multiprocess mode).
- `tracing`: OpenTelemetry, opt-in through the standard `OTEL_*` variables.
- `hub`: the Event hub's metrics and delivery spans.

docs/operations.md describes the metrics, the traces and what to alert on.
"""
