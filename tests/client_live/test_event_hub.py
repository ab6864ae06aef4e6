"""`client.event_hub` against the real server (`serve --demo` as a process, real HTTP, a real receiver on loopback
that verifies signatures with the SDK's `webhooks.verify`): settings, rotation, the feed's cursor iterator, test
events, the delivery log, redelivery, errors, the async twin, and another organisation's token seeing nothing.

Not through the `client` fixture: its recording transport counts contract operations, and `/event-hub` is none.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from openqualify.client import (
    AsyncClient,
    Client,
    ClientError,
    ObjectNotFoundError,
    RetryPolicy,
    SchemaValidationError,
)
from openqualify.client.event_hub import Endpoint, Event, EventHubSettings, EventSetting
from openqualify.client.webhooks import WebhookVerificationError, verify
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from tests.fixtures.client_live import NOW, Org, Sandbox
from tests.fixtures.event_hub import Receiver
from tests.fixtures.live import LiveServer

pytestmark = pytest.mark.e2e

NO_RETRY = RetryPolicy(max_retries=0)
WAIT = 20.0


def sdk(org: Org) -> Client:
    return Client(base_url=org.base_url, token=org.token, retry=NO_RETRY)


@pytest.fixture
def hub_client(org: Org) -> Iterator[Client]:
    with sdk(org) as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def new_user(client: Client, tag: str = "") -> str:
    email = f"hub.{tag or uuid.uuid4().hex[:8]}@example.com"
    client.users.create(email=email, first_name="Hub", last_name="Tester", send_invite=False)
    return email


def wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_event_types_and_settings_round_trip(hub_client: Client, receiver: Receiver) -> None:
    hub = hub_client.event_hub
    types = hub.event_types()
    assert types.categories == ["Users", "Enrolment", "Content", "Assessment", "Social", "Offerings"]
    assert len(types.event_types) == 20 and types.event_types[0].type == "user.created"
    assert {t.category for t in types.event_types} == set(types.categories)

    fresh = hub.settings()
    assert (fresh.enabled, fresh.default_endpoints, fresh.signing_secret) == (False, [], None)
    assert set(fresh.events) == {t.type for t in types.event_types}

    saved = hub.put_settings(
        EventHubSettings(
            enabled=True,
            default_endpoints=[Endpoint(url=receiver.url(), headers={"X-Api-Key": "k1"})],
            events={"page.viewed": EventSetting(enabled=False), "badge.awarded": EventSetting(anonymous=True)},
        )
    )
    assert saved.enabled and saved.signing_secret and saved.signing_secret.startswith("whsec_")
    assert saved.default_endpoints[0].headers == {"X-Api-Key": "k1"} and saved.default_endpoints[0].failing is False
    assert saved.events["page.viewed"].enabled is False and saved.events["badge.awarded"].anonymous is True

    again = hub.put_settings(hub.settings())  # what GET answers goes back as it is (read-only fields ignored)
    assert again.to_json() == saved.to_json()

    patched = hub.patch_settings({"events": {"page.viewed": None}, "defaultEndpoints": []})  # None removes
    assert patched.events["page.viewed"].enabled is True and patched.default_endpoints == []
    assert patched.signing_secret == saved.signing_secret

    rotated = hub.rotate_signing_secret()
    assert rotated.signing_secret != saved.signing_secret and rotated.signing_secret.startswith("whsec_")
    assert rotated.previous_signing_secret_expires_at == NOW + timedelta(hours=24)  # the org's frozen clock
    assert hub.settings().previous_signing_secret_expires_at == rotated.previous_signing_secret_expires_at

    with pytest.raises(SchemaValidationError, match="not an event type"):
        hub.patch_settings({"events": {"no.such": {"enabled": True}}})
    with pytest.raises(SchemaValidationError):
        hub.put_settings({"enabled": "yes"})


def test_the_feed_iterator_follows_the_cursor(hub_client: Client, sandbox: Sandbox) -> None:
    hub = hub_client.event_hub
    hub.put_settings({"enabled": True})
    emails = [new_user(hub_client, f"feed{i}.{uuid.uuid4().hex[:6]}") for i in range(5)]
    root = sandbox.course("Feed")["rootContentId"]
    offering = hub_client.offerings.create(start=NOW, name="Feed", root_content_id=root)

    stream = hub.iter_events(page_size=2)  # three pages and an empty one
    seen = list(stream)
    assert [e.type for e in seen] == ["user.created"] * 5 + ["offering.created"]
    assert [e.data["user"]["email"] for e in seen[:5]] == emails and all(isinstance(e, Event) for e in seen)
    assert seen[5].data["offering"]["id"] == offering.id and seen[0].timestamp == NOW

    assert [e.id for e in hub.iter_events(type="offering.created")] == [seen[5].id]
    assert [e.id for e in hub.iter_events(type=["offering.created", "user.created"])] == [e.id for e in seen]
    cursor = stream.cursor
    assert list(hub.iter_events(after=cursor)) == []  # the cursor is past everything seen

    later = new_user(hub_client)
    assert [e.data["user"]["email"] for e in hub.iter_events(after=cursor)] == [later]
    page = hub.events(after=cursor, limit=1)
    assert [e.data["user"]["email"] for e in page.events] == [later] and page.next != cursor

    follow = hub.iter_events(after=page.next, follow=True, poll_interval=0.1)
    writer = threading.Timer(0.5, new_user, args=(hub_client, f"late.{uuid.uuid4().hex[:6]}"))
    writer.start()
    started = time.monotonic()
    arrived = next(follow)  # waits for the event raised half a second later
    writer.join(timeout=WAIT)
    assert arrived.type == "user.created" and arrived.data["user"]["email"].startswith("hub.late.")
    assert time.monotonic() - started < WAIT

    with pytest.raises(SchemaValidationError):
        hub.events(after="not-a-cursor")
    with pytest.raises(SchemaValidationError):
        hub.events(type="no.such")


def test_test_events_deliveries_and_redelivery(hub_client: Client, receiver: Receiver) -> None:
    hub = hub_client.event_hub
    settings = hub.put_settings({"enabled": True, "defaultEndpoints": [{"url": receiver.url()}]})
    assert settings.signing_secret is not None
    receiver.secrets = [settings.signing_secret]

    sent = hub.test("badge.awarded")
    assert sent.event.test is True and sent.event.type == "badge.awarded"
    assert [d.endpoint for d in sent.deliveries] == [receiver.url()]
    [got] = receiver.wait_for(1)
    delivered = receiver.received[0]
    event = verify(delivered.body, delivered.headers, settings.signing_secret)  # what a receiver does
    assert event.id == sent.event.id == got["id"] and event.test is True
    with pytest.raises(WebhookVerificationError):
        verify(delivered.body + b" ", delivered.headers, settings.signing_secret)

    wait_for(lambda: hub.deliveries(event_id=sent.event.id).deliveries[0].status == "delivered", "delivered")
    [log] = hub.deliveries(event_id=sent.event.id).deliveries
    assert (log.event_type, log.endpoint, log.attempt_count, log.last_status_code) == (
        "badge.awarded", receiver.url(), 1, 200,
    )  # fmt: skip
    assert log.attempts[0].status_code == 200 and log.attempts[0].response == "ok"

    again = hub.redeliver(sent.event.id)
    assert [d.id for d in again] == [log.id] and again[0].status == "pending"
    receiver.wait_for(2)
    assert [r.headers["webhook-id"] for r in receiver.received] == [sent.event.id] * 2

    assert hub.redeliver_range(since=NOW - timedelta(days=1), status="failed") == 0
    wait_for(lambda: list(hub.iter_deliveries(status="delivered")), "the redelivery recorded")
    assert [d.event_id for d in hub.iter_deliveries(status="delivered")] == [sent.event.id]

    with pytest.raises(ObjectNotFoundError):
        hub.redeliver("evt_nosuchevent00000000")
    with pytest.raises(SchemaValidationError):
        hub.test("no.such")
    with pytest.raises(SchemaValidationError):
        hub.deliveries(status="lost")
    hub.patch_settings({"enabled": False})
    with pytest.raises(ClientError) as off:
        hub.redeliver_range(since=NOW - timedelta(days=1))
    assert (off.value.status, off.value.name) == (409, "HubDisabledError")


def test_the_async_twin(org: Org, receiver: Receiver) -> None:
    async def scenario() -> None:
        async with AsyncClient(base_url=org.base_url, token=org.token, retry=NO_RETRY) as client:
            hub = client.event_hub
            settings = await hub.put_settings({"enabled": True, "defaultEndpoints": [{"url": receiver.url()}]})
            types, sent = await asyncio.gather(hub.event_types(), hub.test("user.created"))
            assert len(types.event_types) == 20 and sent.event.test
            stream = hub.iter_events()
            assert [event.id async for event in stream] == [sent.event.id]

            async def later() -> None:
                await asyncio.sleep(0.3)
                await client.users.create(email="async.follow@example.com", first_name="A", last_name="F")

            follow = hub.iter_events(after=stream.cursor, follow=True, poll_interval=0.1)
            arrived, _ = await asyncio.wait_for(asyncio.gather(anext(follow), later()), WAIT)
            assert (arrived.type, arrived.data["user"]["email"]) == ("user.created", "async.follow@example.com")
            page = await hub.deliveries(event_id=sent.event.id)
            assert page.deliveries[0].endpoint == receiver.url()
            delivered = {d.event_id async for d in hub.iter_deliveries()}
            assert delivered == {sent.event.id, arrived.id}  # the followed event went to the receiver too
            assert (await hub.rotate_signing_secret()).signing_secret != settings.signing_secret

    asyncio.run(scenario())
    assert receiver.wait_for(1)[0]["type"] == "user.created"


def test_another_organisation_sees_nothing(
    hub_client: Client, receiver: Receiver, live_server: LiveServer, sync_engine: Engine
) -> None:
    hub = hub_client.event_hub
    hub.put_settings({"enabled": True, "defaultEndpoints": [{"url": receiver.url(), "headers": {"X-Key": "s3"}}]})
    sent = hub.test("badge.awarded")
    new_user(hub_client)
    with admin_session(sync_engine) as session:
        _, token = create_org(session, f"Other {uuid.uuid4().hex[:8]}")
        session.commit()
    with Client(base_url=live_server.base_url + "/v1", token=token, retry=NO_RETRY) as other:
        theirs = other.event_hub
        settings = theirs.settings()
        assert (settings.enabled, settings.default_endpoints, settings.signing_secret) == (False, [], None)
        assert all(not s.endpoints for s in settings.events.values())
        assert theirs.events().events == [] and list(theirs.iter_events()) == []
        assert theirs.deliveries().deliveries == []
        assert theirs.deliveries(event_id=sent.event.id).deliveries == []
        with pytest.raises(ObjectNotFoundError):
            theirs.redeliver(sent.event.id)
    assert len(list(hub.iter_events())) == 2  # the first organisation's own are there
