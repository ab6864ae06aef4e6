"""`openqualify.client.webhooks.verify`: signatures made the way the hub makes them (the `standardwebhooks`
package), both signatures of a rotation, stale and future timestamps, tampering, missing headers; and the event
hub resource's async twin mirroring the blocking one."""

from __future__ import annotations

import base64
import inspect
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from standardwebhooks import Webhook

from openqualify.client import AsyncClient, Client
from openqualify.client.event_hub import AsyncEventHubResource, Event, EventHubResource
from openqualify.client.webhooks import WebhookVerificationError, verify, verify_json

OLD = "whsec_" + base64.b64encode(b"o" * 32).decode()
NEW = "whsec_" + base64.b64encode(b"n" * 32).decode()
ENVELOPE = {"id": "evt_1", "type": "badge.awarded", "timestamp": "2026-03-01T09:30:00.000Z", "test": False,
            "data": {"user": {"email": "ann@example.com"}}}  # fmt: skip
BODY = json.dumps(ENVELOPE, separators=(",", ":")).encode()


def signed(body: bytes = BODY, secrets: tuple[str, ...] = (NEW,), at: datetime | None = None) -> dict[str, str]:
    when = at or datetime.now(UTC)
    return {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": " ".join(Webhook(s).sign("evt_1", when, body) for s in secrets),
    }


def test_a_signed_delivery_gives_the_event() -> None:
    event = verify(BODY, signed(), NEW)
    assert isinstance(event, Event)
    assert (event.id, event.type, event.test) == ("evt_1", "badge.awarded", False)
    assert event.timestamp == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert event.data["user"]["email"] == "ann@example.com"
    assert verify(BODY.decode(), signed(), NEW).id == "evt_1"  # a str body is its UTF-8 bytes
    upper = {k.title(): v for k, v in signed().items()}  # header names in any case
    assert verify(BODY, upper, NEW).id == "evt_1"


def test_during_a_rotation_either_secret_verifies() -> None:
    both = signed(secrets=(NEW, OLD))
    assert verify(BODY, both, NEW).id == verify(BODY, both, OLD).id == "evt_1"
    assert verify(BODY, signed(secrets=(OLD,)), [NEW, OLD]).id == "evt_1"  # the receiver holds both


def unsigned() -> dict[str, str]:
    return {k: v for k, v in signed().items() if k != "webhook-signature"}


# Headers are made when the test runs (a timestamp made at collection would age while other tests run).
@pytest.mark.parametrize(
    ("body", "headers", "secret", "reason"),
    [
        (BODY + b" ", signed, NEW, "No matching signature found"),
        (BODY, signed, OLD, "No matching signature found"),
        (BODY, lambda: signed(at=datetime.now(UTC) - timedelta(minutes=6)), NEW, "Message timestamp too old"),
        (BODY, lambda: signed(at=datetime.now(UTC) + timedelta(minutes=6)), NEW, "Message timestamp too new"),
        (BODY, unsigned, NEW, "Missing required headers"),
        (b"[1]", lambda: signed(b"[1]"), NEW, "the body is not a JSON object"),
        (b'{"id": 1}', lambda: signed(b'{"id": 1}'), NEW, "the body is not an event envelope (3 errors)"),
    ],
)
def test_what_is_refused(body: bytes, headers: Callable[[], dict[str, str]], secret: str, reason: str) -> None:
    with pytest.raises(WebhookVerificationError) as refused:
        verify(body, headers(), secret)
    assert refused.value.reason == reason
    assert str(refused.value) == f"webhook verification failed: {reason}"


def test_a_stale_delivery_is_refused_with_every_secret() -> None:
    stale = signed(at=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify_json(BODY, stale, [OLD, NEW])


def test_no_secret_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="signing secret"):
        verify(BODY, signed(), "")
    with pytest.raises(ValueError):
        verify(BODY, signed(), [])


def test_the_hub_is_next_to_v1_with_the_clients_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"events": [], "next": "7"})

    client = Client(base_url="http://api.test/v1", token="t0k", transport=httpx.MockTransport(handler))
    page = client.event_hub.events(after="7", type=["badge.awarded", "quiz.attempted"], limit=5)
    assert page.next == "7" and page.events == []
    assert str(seen[0].url) == "http://api.test/event-hub/events?after=7&type=badge.awarded%2Cquiz.attempted&limit=5"
    assert seen[0].headers["authorization"] == "Bearer t0k"


def test_the_async_resource_mirrors_the_blocking_one() -> None:
    def public(cls: type) -> dict[str, inspect.Signature]:
        return {n: inspect.signature(m) for n, m in vars(cls).items() if inspect.isfunction(m) and n[0] != "_"}

    blocking, twin = public(EventHubResource), public(AsyncEventHubResource)
    assert blocking.keys() == twin.keys() and len(blocking) == 12
    for name, signature in blocking.items():
        assert list(signature.parameters) == list(twin[name].parameters), name
    assert isinstance(Client(base_url="http://x/v1").event_hub, EventHubResource)
    assert isinstance(AsyncClient(base_url="http://x/v1").event_hub, AsyncEventHubResource)
