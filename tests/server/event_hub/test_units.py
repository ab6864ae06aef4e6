"""The retry schedule, Retry-After, SSRF address rules and the check made before every attempt."""

from __future__ import annotations

import asyncio
import ipaddress
import re
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

import pytest

from openqualify.server.event_hub import ssrf
from openqualify.server.event_hub.dispatcher import attempt, new_client
from openqualify.server.event_hub.outbox import Claimed
from openqualify.server.event_hub.retry import MAX_ATTEMPTS, SCHEDULE, next_delay, parse_retry_after
from openqualify.server.kit.clock import OrgClock
from tests.fixtures.event_hub import Answer, Receiver


def test_the_schedule_spans_more_than_three_days_whatever_the_jitter() -> None:
    assert sum(SCHEDULE, timedelta()) >= timedelta(days=3)
    low = sum((next_delay(n, rng=Random(0)) or timedelta() for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert low >= timedelta(days=3)
    assert next_delay(MAX_ATTEMPTS) is None
    for n in range(1, MAX_ATTEMPTS):
        delay = next_delay(n)
        assert delay is not None and SCHEDULE[n - 1] <= delay <= SCHEDULE[n - 1] * 1.2


def test_retry_after_is_waited_at_least_and_capped() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert parse_retry_after("120", now) == timedelta(seconds=120)
    assert parse_retry_after("Tue, 01 Jan 2030 00:10:00 GMT", now) == timedelta(minutes=10)
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None
    assert next_delay(1, timedelta(seconds=120)) == timedelta(seconds=120)
    assert next_delay(1, timedelta(days=30)) == timedelta(days=1)
    delay = next_delay(5, timedelta(seconds=1))
    assert delay is not None and delay >= SCHEDULE[4]  # a shorter Retry-After does not hurry the schedule


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("93.184.216.34", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
        ("127.0.0.5", "a loopback address"),
        ("172.16.0.1", "a private address"),
        ("100.64.0.1", "not a public address"),
        ("fe80::1", "a link-local address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("::ffff:10.0.0.1", "a private address"),
        ("224.0.0.1", "not a public address"),
    ],
)
def test_address_rules(address: str, refused: str | None) -> None:
    assert ssrf.refusal(ipaddress.ip_address(address)) == refused


def test_a_public_name_is_pinned_to_the_address_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    async def resolve(host: str, port: int) -> list[Any]:
        return [ipaddress.ip_address("93.184.216.34")]

    monkeypatch.setattr(ssrf, "resolve", resolve)
    destination = asyncio.run(ssrf.checked_destination("https://hooks.example.com:8443/in?x=1", allow_private=False))
    assert destination.url == "https://93.184.216.34:8443/in?x=1"
    assert destination.host_header == "hooks.example.com:8443" and destination.sni_hostname == "hooks.example.com"


def test_a_name_that_now_resolves_to_a_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: accepted when saved, the name resolves to a private address at delivery time."""

    async def resolve(host: str, port: int) -> list[Any]:
        return [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.7")]

    monkeypatch.setattr(ssrf, "resolve", resolve)
    with pytest.raises(ssrf.RefusedAddress, match=re.escape("resolves to 10.0.0.7, a private address")):
        asyncio.run(ssrf.checked_destination("http://hooks.example.com/", allow_private=False))


def _claimed(url: str) -> Claimed:
    return Claimed(
        delivery_id="dlv_x", org_id="org", event_id="evt_x", event_type="user.created",
        occurred_at=datetime(2030, 1, 1, tzinfo=UTC), test=False, data={}, endpoint_id="ep_x",
        endpoint_enabled=True, url=url, headers={}, attempt_count=0,
        secrets=["whsec_" + "A" * 43 + "="], clock=OrgClock(),
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_production_checks_the_address_again_before_each_attempt(receiver: Receiver, host: str) -> None:
    async def run(allow_private: bool) -> Any:
        async with new_client(4, 5) as client:
            return await attempt(
                client, _claimed(f"http://{host}:{receiver.port}/hook"), allow_private=allow_private, timeout=5
            )

    refused = asyncio.run(run(False))
    assert refused.status == "retrying" and refused.error.startswith("refused: ") and "loopback" in refused.error
    assert receiver.received == []
    allowed = asyncio.run(run(True))
    assert allowed.status == "delivered" and allowed.status_code == 200 and len(receiver.received) == 1


def test_a_checked_name_is_sent_to_the_address_checked_with_its_own_host_header(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection goes to the address the check resolved (not to a second resolution of the name), the name
    travelling in `Host`: here a name that does not resolve at all, checked as 127.0.0.1 and let through."""

    async def resolve(host: str, port: int) -> list[Any]:
        assert host == "hooks.invalid"
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(ssrf, "resolve", resolve)
    monkeypatch.setattr(ssrf, "refusal", lambda address: None)

    async def run() -> Any:
        async with new_client(4, 5) as client:
            return await attempt(
                client, _claimed(f"http://hooks.invalid:{receiver.port}/in?x=1"), allow_private=False, timeout=5
            )

    delivered = asyncio.run(run())
    assert delivered.status == "delivered" and delivered.status_code == 200, delivered.error
    [received] = receiver.received
    assert received.path == "/in?x=1" and received.headers["host"] == f"hooks.invalid:{receiver.port}"


def test_only_the_first_2_kib_of_an_answer_are_kept_and_no_redirect_is_followed(receiver: Receiver) -> None:
    receiver.script = [
        Answer(status=200, body=b"x" * 10_000),
        Answer(status=302, headers={"location": f"http://127.0.0.1:{receiver.port}/elsewhere"}, body=b""),
    ]

    async def run() -> tuple[Any, Any]:
        async with new_client(4, 5) as client:
            url = f"http://127.0.0.1:{receiver.port}/hook"
            first = await attempt(client, _claimed(url), allow_private=True, timeout=5)
            second = await attempt(client, _claimed(url), allow_private=True, timeout=5)
            return first, second

    long, redirected = asyncio.run(run())
    assert long.status == "delivered" and long.response_body == "x" * 2048
    assert redirected.status == "retrying" and redirected.status_code == 302
    assert [r.path for r in receiver.received] == ["/hook", "/hook"]


def test_an_answer_slower_than_the_timeout_is_a_failure(receiver: Receiver) -> None:
    receiver.default = Answer(delay=2.0)

    async def run() -> Any:
        async with new_client(4, 0.5) as client:
            return await attempt(
                client, _claimed(f"http://127.0.0.1:{receiver.port}/hook"), allow_private=True, timeout=0.5
            )

    slow = asyncio.run(run())
    assert slow.status == "retrying" and slow.error == "no answer within 0.5 s" and slow.status_code is None


def test_on_sqlite_claims_look_only_at_the_open_deliveries(sync_engine: Any) -> None:
    """The claim, the look before it and the oldest-undelivered metric read the open deliveries' partial index,
    never every delivery an organisation kept (its planner, left alone, walked them all: 0.5 ms a claim at 3,000
    delivered, growing with the history)."""
    from openqualify.server.event_hub.outbox import _any_due, _claim, _oldest_open

    if sync_engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner (PostgreSQL's picks the partial index from its statistics)")
    times = {"now": "2026-12-07 18:30:00.000000", "until": "2026-12-07 18:31:00.000000", "owner": "w", "limit": 100}
    with sync_engine.connect() as connection:
        for statement in (_claim("sqlite"), _any_due("sqlite"), _oldest_open("sqlite")):
            compiled = statement.compile(dialect=sync_engine.dialect)
            positional = tuple(times[name] for name in compiled.positiontup or ())
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", positional).all()
            deliveries = [row[3] for row in plan if " d " in f" {row[3]} "]
            assert deliveries and all("ix_event_hub_deliveries_open" in step for step in deliveries), plan
