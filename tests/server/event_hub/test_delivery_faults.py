"""The sandbox's delivery faults (`"target": "deliveries"` rules) against real receivers on loopback: duplicates
with the same webhook-id, the first attempts dropped then retried on the organisation's clock, a recorded status,
reordering and probability reproducible with a seed, latency, another organisation untouched, rules checked, and
none of it in production mode."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openqualify.server.app import create_app
from openqualify.server.config import Mode, Settings
from openqualify.server.event_hub.config import HubConfig
from openqualify.server.event_hub.hooks import NO_DELIVERY_FAULTS
from openqualify.server.sandbox.faults.deliveries import SandboxDeliveryFaults
from openqualify.server.sandbox.faults.rules import uniform
from tests.fixtures.api import Api
from tests.fixtures.event_hub import Answer, Receiver, configure, deliveries, wait_until

QUIET_SECONDS = 2.5  # longer than the dispatcher's poll interval: what has not happened by then does not


def _rule(api: Api, **rule: Any) -> dict[str, Any]:
    response = api.sandbox.post("/faults", json={"target": "deliveries", **rule})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _users(api: Api, count: int, prefix: str = "u") -> list[str]:
    emails = [f"{prefix}{i}@example.com" for i in range(count)]
    for email in emails:
        response = api.post("/users", json={"email": email})
        assert response.status_code == 201, response.text
    return emails


def _all_delivered(api: Api, count: int) -> list[dict[str, Any]]:
    def done() -> list[dict[str, Any]] | None:
        found = deliveries(api)
        return found if len(found) == count and all(d["status"] == "delivered" for d in found) else None

    return wait_until(done, what=f"{count} deliveries delivered")  # type: ignore[no-any-return]


def _freeze(api: Api) -> None:
    response = api.sandbox.put("/clock", json={"now": "2026-03-10T09:00:00Z", "frozen": True})
    assert response.status_code == 200, response.text


def _advance(api: Api, **amount: float) -> None:
    assert api.sandbox.post("/clock/advance", json=amount).status_code == 200


def _errors(delivery: dict[str, Any]) -> list[str | None]:
    return [attempt["error"] for attempt in delivery["attempts"]]


def test_duplicate_sends_the_same_delivery_twice_with_the_same_webhook_id(api: Api, receiver: Receiver) -> None:
    configure(api, receiver)
    rule = _rule(api, match={"eventType": "user.created", "url": receiver.url()}, duplicate=True)
    assert rule["target"] == "deliveries" and rule["match"] == {"eventType": "user.created", "url": receiver.url()}
    _users(api, 1)
    [delivery] = _all_delivered(api, 1)
    first, second = receiver.wait_for(2)
    assert first == second and len(receiver.received) == 2
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"] == first["id"]
    assert [r.verified_with for r in receiver.received] == [[0], [0]]  # both properly signed
    assert delivery["attemptCount"] == 1 and len(delivery["attempts"]) == 2
    errors = sorted(_errors(delivery), key=lambda error: error or "")
    assert errors[1] == f"sandbox fault: duplicate (the same delivery sent again, same webhook-id) (rule {rule['id']})"
    assert errors[0] is None and [a["statusCode"] for a in delivery["attempts"]] == [200, 200]
    [listed] = api.sandbox.get("/faults").json()
    assert listed["matched"] == 1 and listed["hits"] == 1
    assert api.patch(f"/users/{first['data']['user']['email']}", json={"firstName": "A"}).status_code == 200
    receiver.wait_for(3)
    time.sleep(QUIET_SECONDS)
    assert len(receiver.received) == 3  # user.updated does not match the rule: sent once


def _duplicated_once(api: Api, receiver: Receiver, first: int, second: int) -> tuple[dict[str, Any], str]:
    """One user's delivery under a duplicate rule, on a frozen clock, the receiver answering `first` to the first
    POST and `second` to the duplicate: the delivery once both sends are logged, and the rule's id."""
    configure(api, receiver)
    _freeze(api)
    receiver.script = [Answer(first), Answer(second)]
    rule = _rule(api, match={"eventType": "user.created"}, duplicate=True)
    _users(api, 1)
    receiver.wait_for(2)
    delivery = wait_until(lambda: next((d for d in deliveries(api) if len(d["attempts"]) == 2), None),
                          what="both sends logged")  # fmt: skip
    return delivery, rule["id"]


def _nothing_more_sent(api: Api, receiver: Receiver) -> None:
    """The clock moved past any retry the first send's failure could have scheduled: no further POST."""
    _advance(api, hours=2)
    time.sleep(QUIET_SECONDS)
    assert len(receiver.received) == 2


def test_a_duplicate_acknowledged_after_a_failed_first_send_delivers(api: Api, receiver: Receiver) -> None:
    delivery, rule_id = _duplicated_once(api, receiver, 500, 200)
    assert delivery["status"] == "delivered" and delivery["nextAttemptAt"] is None
    assert delivery["attemptCount"] == 1 and delivery["lastStatusCode"] == 200
    duplicate = f"sandbox fault: duplicate (the same delivery sent again, same webhook-id) (rule {rule_id})"
    assert delivery["lastError"] == f"{duplicate}; the first send failed and this one was acknowledged: delivered"
    assert [(a["statusCode"], a["error"]) for a in delivery["attempts"]] == [
        (500, None), (200, delivery["lastError"])
    ]  # the first send's failure is still in the log, before the duplicate
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]
    _nothing_more_sent(api, receiver)
    [after] = deliveries(api)
    assert after["status"] == "delivered" and len(after["attempts"]) == 2


def test_a_duplicate_refused_after_a_delivered_first_send_stays_delivered(api: Api, receiver: Receiver) -> None:
    delivery, rule_id = _duplicated_once(api, receiver, 200, 500)
    assert delivery["status"] == "delivered" and delivery["nextAttemptAt"] is None
    assert delivery["attemptCount"] == 1 and delivery["lastStatusCode"] == 200 and delivery["lastError"] is None
    duplicate = f"sandbox fault: duplicate (the same delivery sent again, same webhook-id) (rule {rule_id})"
    assert sorted((a["statusCode"], a["error"] or "") for a in delivery["attempts"]) == [(200, ""), (500, duplicate)]
    _nothing_more_sent(api, receiver)
    [after] = deliveries(api)
    assert after["status"] == "delivered" and len(after["attempts"]) == 2


def test_drop_first_two_fails_two_attempts_then_delivers_when_the_clock_moves(api: Api, receiver: Receiver) -> None:
    configure(api, receiver)
    _freeze(api)
    rule = _rule(api, match={"eventType": "*", "url": "http://127.0.0.1:*"}, dropFirst=2)

    def attempts(count: int) -> dict[str, Any]:
        return wait_until(lambda: next((d for d in deliveries(api) if d["attemptCount"] == count), None),  # type: ignore[no-any-return]
                          what=f"attempt {count}")

    _users(api, 1)
    first = attempts(1)
    assert first["status"] == "retrying" and first["attempts"][0]["statusCode"] is None
    assert first["attempts"][0]["error"] == f"sandbox fault: dropped (not sent) (rule {rule['id']})"
    _advance(api, seconds=10)
    second = attempts(2)
    assert second["status"] == "retrying" and receiver.received == []
    _advance(api, minutes=2)
    [delivered] = _all_delivered(api, 1)
    assert [a["statusCode"] for a in sorted(delivered["attempts"], key=lambda a: a["at"])] == [None, None, 200]
    assert len(receiver.wait_for(1)) == 1 and delivered["attemptCount"] == 3
    [listed] = api.sandbox.get("/faults").json()
    assert listed["matched"] == 2 and listed["hits"] == 2  # the third attempt is past dropFirst: not matched


def test_a_status_fault_records_the_status_without_sending(api: Api, receiver: Receiver) -> None:
    configure(api, receiver)
    _freeze(api)
    rule = _rule(api, match={"eventType": "user.*"}, status=503, times=1)
    _users(api, 1)
    failed = wait_until(lambda: next((d for d in deliveries(api) if d["attemptCount"] == 1), None), what="a 503")
    assert failed["status"] == "retrying" and failed["attempts"][0]["statusCode"] == 503
    assert failed["attempts"][0]["error"] == f"sandbox fault: status 503 (not sent) (rule {rule['id']})"
    time.sleep(QUIET_SECONDS)
    assert receiver.received == []
    _advance(api, seconds=10)
    _all_delivered(api, 1)
    assert len(receiver.wait_for(1)) == 1  # times: 1, spent


REORDER_SEED = 6  # holds of 620, 2229, 1711, 90 and 2688 ms for the feed's positions 1-5: at least 459 ms apart


def _reordered(api: Api) -> list[str]:
    """Five users' deliveries, released together (their first attempts dropped, then the clock moved), held by a
    seeded reorder window; the emails in the order they arrived."""
    receiver = Receiver()
    try:
        configure(api, receiver)
        _freeze(api)
        _rule(api, match={"eventType": "user.created"}, dropFirst=1)
        _rule(api, match={"eventType": "user.created"}, reorderWindowMs=3000, seed=REORDER_SEED)
        emails = _users(api, 5)
        wait_until(lambda: len([d for d in deliveries(api) if d["attemptCount"] == 1]) == 5, what="5 drops")
        _advance(api, seconds=10)
        arrived = receiver.wait_for(5)
        assert len(arrived) == 5 and receiver.received[0].verified_with == [0]
        delivered = _all_delivered(api, 5)
        assert all("held" in (d["attempts"][0]["error"] or "") + (d["attempts"][1]["error"] or "")
                   for d in delivered)  # fmt: skip
        assert {e["data"]["user"]["email"] for e in arrived} == set(emails)
        return [e["data"]["user"]["email"] for e in arrived]
    finally:
        receiver.stop()


def test_reorder_changes_the_arrival_order_reproducibly_with_a_seed(api: Api, other_api: Api) -> None:
    holds = [uniform(REORDER_SEED, position, "delivery:2:reorder") for position in range(1, 6)]
    expected = [f"u{i}@example.com" for i in sorted(range(5), key=lambda i: holds[i])]
    assert expected == ["u3@example.com", "u0@example.com", "u2@example.com", "u1@example.com", "u4@example.com"]
    assert _reordered(api) == expected
    assert _reordered(other_api) == expected  # the same operations in another organisation: the same order


def test_latency_delays_the_attempt(api: Api, receiver: Receiver) -> None:
    configure(api, receiver)
    rule = _rule(api, match={"eventType": "user.created"}, latencyMs=1500)
    started = time.monotonic()
    _users(api, 1)
    receiver.wait_for(1)
    assert time.monotonic() - started >= 1.5
    [delivery] = _all_delivered(api, 1)
    assert _errors(delivery) == [f"sandbox fault: delayed 1500 ms (rule {rule['id']})"]


def _duplicated(api: Api, count: int) -> list[bool]:
    """`count` users' deliveries under `probability: 0.5, seed: 7, duplicate`: which were sent twice."""
    receiver = Receiver()
    try:
        configure(api, receiver)
        _rule(api, match={"eventType": "user.created"}, duplicate=True, probability=0.5, seed=7)
        emails = _users(api, count)
        _all_delivered(api, count)
        time.sleep(0.5)
        sent = Counter(e["data"]["user"]["email"] for e in receiver.events())
        [listed] = api.sandbox.get("/faults").json()
        assert listed["matched"] == count and listed["hits"] == sum(n == 2 for n in sent.values())
        return [sent[email] == 2 for email in emails]
    finally:
        receiver.stop()


def test_probability_with_a_seed_is_reproducible(api: Api, other_api: Api) -> None:
    expected = [uniform(7, position, "delivery:1:fire") < 0.5 for position in range(1, 9)]
    assert expected == [False, True, True, True, False, True, True, False]
    assert _duplicated(api, 8) == expected
    assert _duplicated(other_api, 8) == expected


def test_another_organisations_deliveries_are_untouched(api: Api, other_api: Api, receiver: Receiver) -> None:
    other = Receiver()
    try:
        configure(api, receiver)
        configure(other_api, other)
        _rule(api, match={"eventType": "*", "url": "*"}, duplicate=True)
        _users(api, 2)
        _users(other_api, 2)
        _all_delivered(other_api, 2)
        receiver.wait_for(4)
        time.sleep(QUIET_SECONDS)
        assert len(receiver.received) == 4 and len(other.received) == 2
        assert all(_errors(d) == [None] for d in deliveries(other_api))
    finally:
        other.stop()


@pytest.mark.parametrize(
    ("rule", "details"),
    [
        ({"match": {"eventType": "user.nope"}, "duplicate": True}, "an event type of the catalogue"),
        ({"match": {"url": "ftp://x"}, "duplicate": True}, "data.match.url should be *"),
        ({"match": {"method": "GET"}, "duplicate": True}, "data.match.method is for a rule with target requests"),
        ({"match": {}, "drop": "reset"}, "data.drop is for a rule with target requests"),
        ({"match": {}, "status": 503, "retryAfter": 3}, "data.retryAfter is for a rule with target requests"),
        ({"match": {}, "status": 404}, "data.status of a delivery rule should be one of 429, 500, 503"),
        ({"match": {}}, "at least one of latencyMs, latency, duplicate, reorderWindowMs, dropFirst, status"),
        ({"match": {}, "duplicate": False}, "at least one of"),
        ({"match": {}, "dropFirst": 12}, "data.dropFirst"),
        ({"match": {}, "reorderWindowMs": 0}, "data.reorderWindowMs"),
        ({"match": {}, "duplicate": "yes"}, "data.duplicate"),
    ],
)
def test_a_delivery_rule_is_checked_before_it_is_kept(api: Api, rule: dict[str, Any], details: str) -> None:
    response = api.sandbox.post("/faults", json={"target": "deliveries", **rule})
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"name", "details"}
    assert response.json()["name"] == "SchemaValidationError" and details in response.json()["details"]
    assert api.sandbox.get("/faults").json() == []


def test_a_delivery_rule_does_not_fault_requests(api: Api) -> None:
    _rule(api, match={"eventType": "*"}, status=503)
    assert api.get("/org").status_code == 200
    [listed] = api.sandbox.get("/faults").json()
    assert listed["matched"] == 0 and listed["match"] == {"eventType": "*", "url": "*"}


@pytest.fixture
def production(database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, mode=Mode.PRODUCTION))
    app.state.event_hub_config = HubConfig(event_hub_dispatcher=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_production_has_no_delivery_faults(production: TestClient, api: Api, http: TestClient) -> None:
    rule = {"target": "deliveries", "match": {"eventType": "*"}, "duplicate": True}
    answer = production.post("/_sandbox/faults", json=rule, headers={"Authorization": f"Bearer {api.token}"})
    assert answer.status_code == 404 and set(answer.json()) == {"name", "details"}
    assert production.app.state.event_hub.dispatcher.delivery_faults is NO_DELIVERY_FAULTS  # type: ignore[attr-defined]
    assert not hasattr(production.app.state, "delivery_faults")  # type: ignore[attr-defined]
    sandbox = http.app.state.event_hub.dispatcher.delivery_faults  # type: ignore[attr-defined]
    assert isinstance(sandbox, SandboxDeliveryFaults)


def test_a_claims_deliveries_read_their_rules_once(api: Api) -> None:
    """The rules are read once for a claim's deliveries (`preload`), not once per delivery: a claim's sends start
    together, and each read took a pooled connection of its own."""
    from datetime import UTC, datetime

    from sqlalchemy import event

    from openqualify.server.event_hub.outbox import Claimed
    from openqualify.server.kit.clock import OrgClock

    rule = _rule(api, match={"eventType": "user.created"}, duplicate=True)
    faults: SandboxDeliveryFaults = api.http.app.state.delivery_faults  # type: ignore[attr-defined]
    engine = api.http.app.state.engine  # type: ignore[attr-defined]
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "sandbox_fault_rules" in statement:
            reads.append(statement)

    def claimed(n: int, event_type: str) -> Claimed:
        now = datetime(2026, 3, 10, 9, tzinfo=UTC)
        return Claimed(
            delivery_id=f"dlv_{n}", org_id=api.org_id, event_id=f"evt_{n}", event_type=event_type, occurred_at=now,
            test=False, data={}, endpoint_id="endpoint", endpoint_enabled=True, url="http://127.0.0.1:9/hook",
            headers={}, attempt_count=0, secrets=["whsec_x"], clock=OrgClock(None, 0),
        )  # fmt: skip

    batch = [claimed(n, "user.created" if n % 2 else "user.updated") for n in range(12)]

    async def claim_and_prepare() -> list[Any]:
        await faults.preload(batch)
        return [await faults.prepare(item) for item in batch]

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        injections = api.http.portal.call(claim_and_prepare)  # type: ignore[union-attr]
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(reads) == 1  # 12 before: one per delivery
    faulted = [getattr(injection, "rules", []) for injection in injections]
    assert faulted == [[rule["id"]] if n % 2 else [] for n in range(12)]  # user.created only, every one counted
    [listed] = api.sandbox.get("/faults").json()
    assert listed["matched"] == 6 and listed["hits"] == 6
