"""Deliveries to real receivers on loopback: endpoints and headers, signatures and rotation, retries on the
organisation's clock (a receiver down then back, 429 with Retry-After, the whole schedule fast-forwarded), 410,
redelivery, test events, the hub turned off while deliveries wait."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from openqualify.server.event_hub.retry import MAX_ATTEMPTS, SCHEDULE
from openqualify.server.kit.timefmt import format_datetime, parse_datetime
from tests.fixtures.api import Api
from tests.fixtures.event_hub import (
    Answer,
    Receiver,
    configure,
    deliveries,
    endpoint,
    feed,
    hub,
    wait_until,
)
from tests.fixtures.live import free_port

QUIET_SECONDS = 2.5  # longer than the dispatcher's poll interval: what has not happened by then does not


def _create_user(api: Api, email: str = "ada@example.com", **fields: Any) -> None:
    response = api.post("/users", json={"email": email, **fields})
    assert response.status_code == 201, response.text


def _delivery(api: Api, **match: Any) -> dict[str, Any]:
    [found] = [d for d in deliveries(api) if all(d[k] == v for k, v in match.items())]
    return found


def _wait_delivery(api: Api, what: str, condition: Any, **match: Any) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        found = [d for d in deliveries(api) if all(d[k] == v for k, v in match.items())]
        return found[0] if found and condition(found[0]) else None

    return wait_until(check, what=what)  # type: ignore[no-any-return]


def _set_clock(api: Api, when: str) -> None:
    response = api.sandbox.put("/clock", json={"now": when, "frozen": True})
    assert response.status_code == 200, response.text


def _advance(api: Api, **amount: float) -> None:
    assert api.sandbox.post("/clock/advance", json=amount).status_code == 200


def test_default_and_own_endpoints_with_custom_headers_and_valid_signatures(api: Api, receiver: Receiver) -> None:
    own = Receiver()
    try:
        settings = configure(
            api,
            defaultEndpoints=[endpoint(receiver.url("/default"), headers={"X-Tenant": "acme"})],
            events={"user.updated": {"endpoints": [endpoint(own.url("/own"), headers={"Authorization": "Key k1"})]}},
        )
        own.secrets = receiver.secrets = [settings["signingSecret"]]
        _create_user(api)
        assert api.patch("/users/ada@example.com", json={"firstName": "Ada"}).status_code == 200
        [created] = receiver.wait_for(1, "user.created")
        [updated] = own.wait_for(1, "user.updated")
        time.sleep(QUIET_SECONDS)
        assert receiver.events("user.updated") == [] and own.events("user.created") == []
        default_request, own_request = receiver.received[0], own.received[0]
        assert default_request.verified_with == [0] and own_request.verified_with == [0]
        assert default_request.headers["x-tenant"] == "acme" and own_request.headers["authorization"] == "Key k1"
        assert default_request.headers["webhook-id"] == created["id"]
        assert default_request.headers["content-type"] == "application/json"
        assert updated["data"]["changed"] == ["firstName"]
        assert set(created) == {"id", "type", "timestamp", "test", "data"}
        assert created == feed(api)[0]  # the delivery's body is the feed's item
    finally:
        own.stop()


def test_a_receiver_down_then_back_gets_its_event_when_the_retry_falls_due(api: Api) -> None:
    port = free_port()
    down = f"http://127.0.0.1:{port}/hook"
    settings = configure(api, defaultEndpoints=[endpoint(down)])
    _create_user(api)
    first = _wait_delivery(api, "a failed first attempt", lambda d: d["attemptCount"] == 1)
    assert first["status"] == "retrying" and first["attempts"][0]["statusCode"] is None
    assert "Connect" in first["attempts"][0]["error"]
    gap = parse_datetime(first["nextAttemptAt"]) - parse_datetime(first["lastAttemptAt"])
    assert SCHEDULE[0] <= gap <= SCHEDULE[0] * 1.2 + timedelta(milliseconds=2)
    back = Receiver(port)
    back.secrets = [settings["signingSecret"]]
    try:
        _advance(api, seconds=10)
        [event] = back.wait_for(1)
        assert event["type"] == "user.created" and back.received[0].verified_with == [0]
        done = _wait_delivery(api, "the delivery recorded", lambda d: d["status"] == "delivered")
        assert done["attemptCount"] == 2 and [a["statusCode"] for a in done["attempts"]] == [None, 200]
    finally:
        back.stop()


def test_429_with_retry_after_waits_at_least_that_long(api: Api, receiver: Receiver) -> None:
    receiver.script = [Answer(429, {"Retry-After": "120"}, b"slow down")]
    configure(api, receiver)
    _create_user(api)
    first = _wait_delivery(api, "the 429", lambda d: d["attemptCount"] == 1)
    assert first["status"] == "retrying" and first["attempts"][0]["statusCode"] == 429
    assert first["attempts"][0]["response"] == "slow down"
    gap = parse_datetime(first["nextAttemptAt"]) - parse_datetime(first["lastAttemptAt"])
    assert timedelta(seconds=120) <= gap < timedelta(seconds=121)
    _advance(api, seconds=30)  # past the schedule's 5 s, not past Retry-After
    time.sleep(QUIET_SECONDS)
    assert len(receiver.received) == 1
    _advance(api, seconds=100)
    receiver.wait_for(2)
    assert _wait_delivery(api, "delivered", lambda d: d["status"] == "delivered")["attemptCount"] == 2


def test_410_turns_the_endpoint_off(api: Api, receiver: Receiver) -> None:
    receiver.script = [Answer(410, body=b"gone")]
    configure(api, receiver)
    _create_user(api)
    gone = _wait_delivery(api, "the 410", lambda d: d["status"] == "failed")
    assert gone["attempts"][0]["statusCode"] == 410 and "410" in gone["lastError"]
    [default] = wait_until(lambda: hub(api).get("/settings").json()["defaultEndpoints"], what="settings")
    assert default["enabled"] is False and "410" in default["disabledReason"]
    _create_user(api, "later@example.com")
    time.sleep(QUIET_SECONDS)
    assert len(receiver.received) == 1  # nothing more goes there
    assert [d["eventType"] for d in deliveries(api)] == ["user.created"]


def test_the_whole_retry_schedule_on_a_fast_forwarded_clock_then_bulk_redelivery(
    api: Api, receiver: Receiver
) -> None:
    """Twelve attempts over more than three days of the organisation's clock, in seconds of real time; then the
    endpoint is failing, the delivery failed (never dropped), and a bulk redelivery recovers it."""
    _set_clock(api, "2030-01-01T00:00:00.000Z")
    receiver.default = Answer(500, body=b"down")
    configure(api, receiver)
    _create_user(api)
    first_at = None
    for attempts in range(1, MAX_ATTEMPTS + 1):
        current = _wait_delivery(api, f"attempt {attempts}", lambda d, n=attempts: d["attemptCount"] == n)
        first_at = first_at or parse_datetime(current["lastAttemptAt"])
        if attempts == MAX_ATTEMPTS:
            break
        assert current["status"] == "retrying"
        gap = parse_datetime(current["nextAttemptAt"]) - parse_datetime(current["lastAttemptAt"])
        assert SCHEDULE[attempts - 1] <= gap <= SCHEDULE[attempts - 1] * 1.2 + timedelta(milliseconds=2)
        _set_clock(api, current["nextAttemptAt"])
    failed = _wait_delivery(api, "gave up", lambda d: d["status"] == "failed")
    assert failed["attemptCount"] == MAX_ATTEMPTS and len(failed["attempts"]) == MAX_ATTEMPTS
    assert parse_datetime(failed["lastAttemptAt"]) - first_at >= timedelta(days=3)
    assert failed["endpointFailing"] is True and "gave up" in failed["lastError"]
    [default] = hub(api).get("/settings").json()["defaultEndpoints"]
    assert default["failing"] is True and default["enabled"] is True
    assert len(receiver.received) == MAX_ATTEMPTS

    receiver.default = Answer(200)
    bad = hub(api).post("/redeliver", json={"since": "2029-12-31T00:00:00Z", "status": "gone"})
    assert bad.status_code == 400 and bad.json()["name"] == "SchemaValidationError"
    response = hub(api).post("/redeliver", json={"since": "2029-12-31T00:00:00Z", "status": "failed"})
    assert response.status_code == 202 and response.json() == {"redelivered": 1}
    receiver.wait_for(MAX_ATTEMPTS + 1)
    done = _wait_delivery(api, "redelivered", lambda d: d["status"] == "delivered")
    assert done["attemptCount"] == 1 and len(done["attempts"]) == MAX_ATTEMPTS + 1
    assert hub(api).get("/settings").json()["defaultEndpoints"][0]["failing"] is False


def test_redelivering_one_event_sends_it_again_with_the_same_id(api: Api, receiver: Receiver) -> None:
    configure(api, receiver)
    _create_user(api)
    [event] = receiver.wait_for(1)
    _wait_delivery(api, "delivered", lambda d: d["status"] == "delivered")
    response = hub(api).post(f"/events/{event['id']}/redeliver")
    assert response.status_code == 202, response.text
    [again] = response.json()["deliveries"]
    assert again["status"] == "pending" and again["eventId"] == event["id"]
    receiver.wait_for(2)
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == event["id"]
    assert first.body == second.body and second.verified_with == [0]
    missing = hub(api).post("/events/evt_nope/redeliver")
    assert missing.status_code == 404 and missing.json()["name"] == "ObjectNotFoundError"


def test_signatures_during_and_after_a_rotation(api: Api, receiver: Receiver) -> None:
    _set_clock(api, "2030-01-01T00:00:00.000Z")
    old = configure(api, receiver)["signingSecret"]
    rotated = hub(api).post("/signing-secret/rotate")
    assert rotated.status_code == 200
    new = rotated.json()["signingSecret"]
    assert new != old and new.startswith("whsec_")
    assert rotated.json()["previousSigningSecretExpiresAt"] == "2030-01-02T00:00:00.000Z"
    assert hub(api).get("/settings").json()["signingSecret"] == new
    receiver.secrets = [old, new]
    _create_user(api)
    receiver.wait_for(1)
    during = receiver.received[0]
    assert len(during.headers["webhook-signature"].split(" ")) == 2 and during.verified_with == [0, 1]
    _set_clock(api, format_datetime(parse_datetime("2030-01-02T00:00:01Z")))
    _create_user(api, "after@example.com")
    receiver.wait_for(2)
    after = receiver.received[1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1 and after.verified_with == [1]


def test_a_test_event_goes_to_the_types_endpoints_even_with_the_hub_off(api: Api, receiver: Receiver) -> None:
    configure(api, receiver, enabled=False)
    response = hub(api).post("/test", json={"type": "badge.awarded"})
    assert response.status_code == 201, response.text
    sent = response.json()
    assert sent["event"]["test"] is True and sent["event"]["type"] == "badge.awarded"
    assert [d["endpoint"] for d in sent["deliveries"]] == [receiver.url()]
    [event] = receiver.wait_for(1)
    assert event == sent["event"] and receiver.received[0].verified_with == [0]
    assert event["data"]["badge"]["title"] and event["data"]["user"]["email"]
    assert feed(api) == [event]
    assert hub(api).post("/test", json={"type": "no.such"}).status_code == 400


def test_turning_the_hub_off_pauses_waiting_deliveries(api: Api) -> None:
    port = free_port()
    settings = configure(api, defaultEndpoints=[endpoint(f"http://127.0.0.1:{port}/hook")])
    _create_user(api)
    _wait_delivery(api, "a failed attempt", lambda d: d["attemptCount"] == 1)
    configure(api, enabled=False, defaultEndpoints=settings["defaultEndpoints"])
    back = Receiver(port)
    back.secrets = [settings["signingSecret"]]
    try:
        _advance(api, minutes=10)
        time.sleep(QUIET_SECONDS)
        assert back.received == []
        assert hub(api).post("/redeliver", json={"since": "2000-01-01T00:00:00Z"}).status_code == 409
        configure(api, enabled=True, defaultEndpoints=settings["defaultEndpoints"])
        back.wait_for(1)
        _wait_delivery(api, "delivered", lambda d: d["status"] == "delivered")
    finally:
        back.stop()


def test_removing_an_endpoint_fails_its_waiting_deliveries_visibly(api: Api) -> None:
    port = free_port()
    configure(api, defaultEndpoints=[endpoint(f"http://127.0.0.1:{port}/hook")])
    _create_user(api)
    _wait_delivery(api, "a failed attempt", lambda d: d["attemptCount"] == 1)
    configure(api, defaultEndpoints=[])
    failed = _delivery(api)
    assert failed["status"] == "failed" and failed["lastError"] == "endpoint removed"
    assert _delivery(api, status="failed")["id"] == failed["id"]
    assert deliveries(api, status="delivered") == []
    assert deliveries(api, endpoint=f"http://127.0.0.1:{port}/hook")[0]["id"] == failed["id"]
