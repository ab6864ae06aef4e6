"""The Event hub's metrics and traces: what the hub calls (it is built on its own branch and wired in at merge).

    from openqualify.server.observability import hub as hub_metrics

    hub_metrics.event_raised("offering.created")                  # once per event stored
    hub_metrics.events_raised("offering.user_added", 500)         # or per type at once
    with hub_metrics.delivery_span(tracer, event_type, url, attempt) as span:
        headers.update(hub_metrics.trace_headers())               # W3C traceparent to the receiver
        ... POST ...
        hub_metrics.set_delivery_status(span, response.status_code)
    hub_metrics.delivery_attempted("delivered", seconds)          # "delivered", "failed" (will retry), "gave_up"
    hub_metrics.event_delivered(seconds_since_raised)             # once per event, when delivered
    hub_metrics.register_oldest_undelivered_age(callback)         # at start: async () -> seconds or None

Labels stay bounded: the event type is one of the hub's names (at most `metrics.MAX_EVENT_TYPES`, else `other`),
the outcome one of three; never an organisation, an endpoint's URL or a secret. The span carries the receiver's
host, never its path or query (which may hold a secret).
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any, Final
from urllib.parse import urlsplit

from opentelemetry import context, propagate
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer
from prometheus_client import Counter, Histogram

from openqualify.server.observability import exposition, metrics, tracing

OUTCOMES: Final = ("delivered", "failed", "gave_up")
OLDEST_UNDELIVERED: Final = "openqualify_hub_oldest_undelivered_event_age_seconds"

EVENTS = Counter(
    "openqualify_hub_events", "Events the hub raised (stored for delivery), by event type.", ["event_type"]
)
DELIVERY_ATTEMPTS = Counter(
    "openqualify_hub_delivery_attempts",
    "Webhook delivery attempts, by outcome: delivered (a 2xx), failed (will be tried again), gave_up (no more "
    "attempts: the event is not delivered to that endpoint).",
    ["outcome"],
)
ATTEMPT_DURATION = Histogram(
    "openqualify_hub_delivery_attempt_seconds",
    "One delivery attempt's round trip to the receiver, by outcome.",
    ["outcome"],
    buckets=metrics.DELIVERY_BUCKETS,
)
DELIVERY_LATENCY = Histogram(
    "openqualify_hub_delivery_latency_seconds",
    "Time from an event being raised to its delivery (retries included).",
    buckets=metrics.DELIVERY_BUCKETS,
)


def enable() -> None:
    """Every series present from the start (0), and the age gauge 0 until a hub says otherwise."""
    for outcome in OUTCOMES:
        DELIVERY_ATTEMPTS.labels(outcome)
        ATTEMPT_DURATION.labels(outcome)
    if OLDEST_UNDELIVERED not in exposition.registered():
        register_oldest_undelivered_age(_none_undelivered)


async def _none_undelivered() -> float:
    return 0.0  # no hub in this process: nothing waits to be delivered


def event_raised(event_type: str) -> None:
    events_raised(event_type, 1)


def events_raised(event_type: str, count: int) -> None:
    """`count` events of one type stored at once (a bulk operation's)."""
    if metrics.enabled():
        EVENTS.labels(metrics.bounded_event_type(event_type)).inc(count)


def delivery_attempted(outcome: str, seconds: float) -> None:
    if metrics.enabled():
        outcome = outcome if outcome in OUTCOMES else "failed"
        DELIVERY_ATTEMPTS.labels(outcome).inc()
        ATTEMPT_DURATION.labels(outcome).observe(seconds)


def event_delivered(seconds_since_raised: float) -> None:
    if metrics.enabled():
        DELIVERY_LATENCY.observe(max(0.0, seconds_since_raised))


def register_oldest_undelivered_age(callback: Callable[[], Awaitable[float | None]]) -> None:
    """`callback` says, at each scrape, how many seconds the oldest event not yet delivered (nor given up) has
    waited: 0 when none waits, None when unknown. It runs on the event loop of the worker that answers the
    scrape, bounded to `exposition.CALLBACK_TIMEOUT_SECONDS`. Its database reads make no spans: a scrape is
    never traced."""

    async def untraced() -> float | None:
        token = context.attach(context.set_value(context._SUPPRESS_INSTRUMENTATION_KEY, True))
        try:
            return await callback()
        finally:
            context.detach(token)

    exposition.register_scrape_gauge(
        OLDEST_UNDELIVERED,
        "Age of the oldest event waiting for delivery (0: none waits), computed at scrape time.",
        untraced,
    )


def background_context() -> contextvars.Context:
    """The context for the hub's background tasks (claims, records, pruning, the relay): the instrumented
    libraries (SQLAlchemy, psycopg) make no span in it, so a worker polling for work every second does not send a
    trace each time. The delivery spans are the hub's own (`delivery_span`) and still made."""
    token = context.attach(context.set_value(context._SUPPRESS_INSTRUMENTATION_KEY, True))
    try:
        return contextvars.copy_context()
    finally:
        context.detach(token)


def delivery_span(
    tracer: Tracer | None, event_type: str, url: str, attempt: int
) -> AbstractContextManager[Span | None]:
    """A client span around one delivery attempt (nothing when traces are off)."""
    parts = urlsplit(url)
    attributes: dict[str, Any] = {
        "http.request.method": "POST",
        "server.address": parts.hostname or "",
        "openqualify.event.type": metrics.bounded_event_type(event_type),
        "openqualify.delivery.attempt": attempt,
    }
    if parts.port is not None:
        attributes["server.port"] = parts.port
    return tracing.span(tracer, "webhook delivery", kind=SpanKind.CLIENT, attributes=attributes)


def trace_headers() -> dict[str, str]:
    """`traceparent` (and `tracestate`) of the current span, for the delivery's request: the receiver's trace
    joins ours. Empty when traces are off."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def set_delivery_status(span: Span | None, status: int | None, error: str | None = None) -> None:
    if span is None:
        return
    if status is not None:
        span.set_attribute("http.response.status_code", status)
    if error is not None or status is None or status >= 300:
        span.set_status(StatusCode.ERROR, error)
        span.set_attribute("error.type", error or str(status))
