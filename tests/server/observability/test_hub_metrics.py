"""The Event hub's metrics as the hub counts them: real events, real deliveries to a receiver on loopback, the
oldest undelivered event's age read from the database at scrape time, and nothing for a transaction rolled back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from openqualify.server.event_hub.dispatcher import attempt, new_client
from openqualify.server.event_hub.emit import WAKE_KEY
from openqualify.server.event_hub.outbox import Claimed, Outcome
from openqualify.server.kit.clock import OrgClock
from openqualify.server.kit.tenancy import ORG_KEY
from openqualify.server.observability import hub as hub_metrics
from tests.fixtures.event_hub import Answer, Receiver
from tests.fixtures.observability import ClientFactory, Samples, scrape, value

EVENTS = "openqualify_hub_events_total"
ATTEMPTS = "openqualify_hub_delivery_attempts_total"
ATTEMPT_SECONDS = "openqualify_hub_delivery_attempt_seconds_count"
LATENCY = "openqualify_hub_delivery_latency_seconds_count"
AGE = hub_metrics.OLDEST_UNDELIVERED
CREATED = {"event_type": "user.created"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def _configure(client: TestClient, auth: dict[str, str], url: str) -> None:
    settings = {"enabled": True, "defaultEndpoints": [{"url": url, "enabled": True, "headers": {}}]}
    answer = client.put("/event-hub/settings", json=settings, headers=auth)
    assert answer.status_code == 200, answer.text


def _create_user(client: TestClient, auth: dict[str, str], email: str) -> None:
    answer = client.post("/v1/users", json={"email": email}, headers=auth)
    assert answer.status_code == 201, answer.text


def _wait(what: str, condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)


def _delta(after: Samples, before: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def _oldest_open_age(sync_engine: Engine) -> float:
    """The gauge's meaning, computed here in SQL of its own: the oldest event with an open delivery whose
    organisation's hub is on (or a test event), in seconds (0: none)."""
    with sync_engine.connect() as connection:
        oldest = connection.execute(
            text(
                "SELECT MIN(e.stored_at) FROM event_hub_deliveries d "
                "JOIN event_hub_events e ON e.id = d.event_id JOIN event_hub_settings s ON s.org_id = d.org_id "
                "WHERE d.status IN ('pending', 'retrying') AND (s.enabled OR e.test)"
            )
        ).scalar()
    if oldest is None:
        return 0.0
    if isinstance(oldest, str):
        oldest = datetime.fromisoformat(oldest)
    return (datetime.now(UTC) - oldest.replace(tzinfo=UTC)).total_seconds()


def _open_deliveries(sync_engine: Engine, org_id: str) -> int:
    with sync_engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT COUNT(*) FROM event_hub_deliveries WHERE org_id = :org_id "
                    "AND status IN ('pending', 'retrying')"
                ),
                {"org_id": org_id},
            ).scalar_one()
        )


def test_a_scrape_after_real_deliveries_counts_them_and_shows_the_oldest_waiting(
    make_client: ClientFactory, org: tuple[str, str, str], receiver: Receiver, sync_engine: Engine
) -> None:
    auth = {"Authorization": f"Bearer {org[2]}"}
    with make_client() as client:
        _configure(client, auth, f"http://127.0.0.1:{receiver.port}/hook")
        before = scrape(client)
        for n in range(3):
            _create_user(client, auth, f"counted-{n}@example.com")
        _wait("3 deliveries", lambda: len(receiver.received) == 3)
        _wait("their outcomes", lambda: _delta(scrape(client), before, ATTEMPTS, outcome="delivered") == 3)
        delivered = scrape(client)
        assert _delta(delivered, before, EVENTS, **CREATED) == 3
        assert _delta(delivered, before, ATTEMPT_SECONDS, outcome="delivered") == 3
        assert _delta(delivered, before, LATENCY) == 3
        assert _delta(delivered, before, ATTEMPTS, outcome="failed") == 0

        # A receiver that fails: the event waits for its retry (5 s of the organisation's clock) and is the
        # oldest undelivered one unless an older one waits elsewhere in this database.
        receiver.default = Answer(status=500)
        raised = time.monotonic()
        _create_user(client, auth, "waiting@example.com")
        _wait("the failed attempt", lambda: _delta(scrape(client), before, ATTEMPTS, outcome="failed") == 1)
        time.sleep(1.0)
        lower = _oldest_open_age(sync_engine)  # the age only grows: the scrape's lies between two reads
        waiting = scrape(client)
        upper = _oldest_open_age(sync_engine)
        assert value(waiting, AGE) >= 1.0 and value(waiting, AGE) >= time.monotonic() - raised - 1.0
        assert lower - 0.5 <= value(waiting, AGE) <= upper + 0.5
        assert _delta(waiting, before, EVENTS, **CREATED) == 4
        assert _delta(waiting, before, ATTEMPT_SECONDS, outcome="failed") == 1
        assert _delta(waiting, before, LATENCY) == 3  # not delivered: no latency yet

        # Delivered at its retry: it no longer counts in the age.
        receiver.default = Answer()
        clock = client.post("/_sandbox/clock/advance", json={"seconds": 10}, headers=auth)
        assert clock.status_code == 200, clock.text
        _wait("the retry", lambda: _delta(scrape(client), before, ATTEMPTS, outcome="delivered") == 4)
        _wait("its outcome recorded", lambda: _open_deliveries(sync_engine, org[0]) == 0)
        lower = _oldest_open_age(sync_engine)
        after = scrape(client)
        upper = _oldest_open_age(sync_engine)
        assert _delta(after, before, LATENCY) == 4
        assert lower - 0.5 <= value(after, AGE) <= upper + 0.5
        if upper == 0:  # nothing else waits in this database: the gauge says so
            assert value(after, AGE) == 0


def test_a_rolled_back_request_counts_no_event(make_client: ClientFactory, org: tuple[str, str, str]) -> None:
    """The commit of a unit of work that raised an event fails at the last moment: the event is not stored, and
    the metrics do not count it; the next request's event is counted."""
    auth = {"Authorization": f"Bearer {org[2]}"}

    def refuse(session: Session) -> None:
        if session.info.get(ORG_KEY) == org[0] and session.info.get(WAKE_KEY):  # events were numbered
            raise RuntimeError("the database refused the commit")

    with make_client() as client:
        settings = {"enabled": True, "defaultEndpoints": []}
        assert client.put("/event-hub/settings", json=settings, headers=auth).status_code == 200
        before = scrape(client)
        event.listen(Session, "before_commit", refuse)
        try:
            failed = client.post("/v1/users", json={"email": "lost@example.com"}, headers=auth)
        finally:
            event.remove(Session, "before_commit", refuse)
        assert failed.status_code == 500
        assert _delta(scrape(client), before, EVENTS, **CREATED) == 0
        _create_user(client, auth, "kept@example.com")
        assert _delta(scrape(client), before, EVENTS, **CREATED) == 1


def test_each_attempt_is_a_client_span_and_its_request_carries_the_trace(
    receiver: Receiver, spans: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    """The dispatcher's attempt with the application's tracer (called directly: another application's dispatcher in
    this process, without traces, could claim a delivery first)."""
    provider, exporter = spans
    url = f"http://127.0.0.1:{receiver.port}/hook?secret=s3cr3t"
    item = Claimed(
        delivery_id="dlv_x", org_id="org", event_id="evt_x", event_type="user.created",
        occurred_at=datetime(2030, 1, 1, tzinfo=UTC), test=False, data={}, endpoint_id="ep_x",
        endpoint_enabled=True, url=url, headers={}, attempt_count=2,
        secrets=["whsec_" + "A" * 43 + "="], clock=OrgClock(),
    )

    async def run() -> Outcome:
        async with new_client(4, 5) as client:
            return await attempt(client, item, allow_private=True, timeout=5, tracer=provider.get_tracer("test"))

    assert asyncio.run(run()).status == "delivered"
    [span] = exporter.get_finished_spans()
    assert span.name == "webhook delivery" and span.kind == SpanKind.CLIENT and span.context is not None
    attributes = dict(span.attributes or {})
    assert attributes["server.address"] == "127.0.0.1" and attributes["server.port"] == receiver.port
    assert attributes["openqualify.event.type"] == "user.created" and attributes["openqualify.delivery.attempt"] == 3
    assert attributes["http.response.status_code"] == 200
    assert "s3cr3t" not in str(attributes) and "/hook" not in str(attributes)
    _version, trace_id, span_id, _flags = receiver.received[0].headers["traceparent"].split("-")
    assert (int(trace_id, 16), int(span_id, 16)) == (span.context.trace_id, span.context.span_id)


def test_without_traces_a_delivery_carries_no_traceparent(
    make_client: ClientFactory, org: tuple[str, str, str], receiver: Receiver
) -> None:
    auth = {"Authorization": f"Bearer {org[2]}"}
    with make_client() as client:
        _configure(client, auth, f"http://127.0.0.1:{receiver.port}/hook")
        _create_user(client, auth, "untraced@example.com")
        _wait("the delivery", lambda: len(receiver.received) == 1)
    assert "traceparent" not in receiver.received[0].headers
