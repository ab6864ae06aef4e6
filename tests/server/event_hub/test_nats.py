"""The NATS JetStream relay against the NATS server on 127.0.0.1:4222: every event published once to
`openqualify.<orgId>.<type>` with `Nats-Msg-Id`, consumed here with nats-py from a stream of the test's own."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from openqualify.server.app import create_app
from openqualify.server.config import Settings
from openqualify.server.event_hub.config import HubConfig
from openqualify.server.event_hub.models import HubEvent
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from tests.fixtures.api import Api
from tests.fixtures.event_hub import configure, feed

NATS_URL = "nats://127.0.0.1:4222"


def _nats_running() -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", 4222)) == 0


pytestmark = pytest.mark.skipif(not _nats_running(), reason="no NATS server on 127.0.0.1:4222")


async def _with_jetstream(work: Any) -> Any:
    import nats

    connection = await nats.connect(NATS_URL, connect_timeout=5)
    try:
        return await work(connection.jetstream())
    finally:
        await connection.close()


@pytest.fixture
def relaying(database_url: str, sync_engine: Engine) -> Iterator[tuple[Api, str]]:
    with admin_session(sync_engine) as session:
        org, token = create_org(session, f"Hub NATS {uuid.uuid4().hex[:10]}")
        session.commit()
        org_id = org.id
    stream = f"OQ_TEST_{uuid.uuid4().hex[:12].upper()}"

    async def add(js: Any) -> None:
        await js.add_stream(name=stream, subjects=[f"openqualify.{org_id}.>"])

    asyncio.run(_with_jetstream(add))
    app = create_app(Settings(database_url=database_url))
    app.state.event_hub_config = HubConfig(events_nats_url=NATS_URL, event_hub_poll_seconds=0.2)
    try:
        with TestClient(app) as client:
            yield Api(client, token, org_id), stream
    finally:

        async def remove(js: Any) -> None:
            await js.delete_stream(stream)

        asyncio.run(_with_jetstream(remove))


def test_every_event_is_published_to_jetstream_once(relaying: tuple[Api, str], sync_engine: Engine) -> None:
    api, stream = relaying
    configure(api)
    for name in ("a", "b", "c"):
        assert api.post("/users", json={"email": f"{name}@example.com"}).status_code == 201
    assert api.patch("/users/a@example.com", json={"firstName": "Ay"}).status_code == 200
    events = feed(api)
    assert len(events) == 4

    def relayed() -> int:
        with admin_session(sync_engine) as session:
            rows = session.execute(select(HubEvent.relayed_at).where(HubEvent.org_id == api.org_id)).all()
        return sum(1 for (at,) in rows if at is not None)

    deadline = time.monotonic() + 30
    while relayed() < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert relayed() == 4

    async def consume(js: Any) -> tuple[list[Any], int]:
        subscription = await js.pull_subscribe(f"openqualify.{api.org_id}.>", durable=None, stream=stream)
        messages = await subscription.fetch(4, timeout=10)
        for message in messages:
            await message.ack()
        # A second publish of an event (a relay that died before marking it) is dropped by JetStream.
        first = events[0]
        await js.publish(f"openqualify.{api.org_id}.{first['type']}", json.dumps(first).encode(),
                         headers={"Nats-Msg-Id": first["id"]})
        info = await js.stream_info(stream)
        return messages, info.state.messages

    messages, stored = asyncio.run(_with_jetstream(consume))
    assert stored == 4
    by_id = {m.headers["Nats-Msg-Id"]: m for m in messages}
    assert set(by_id) == {e["id"] for e in events}
    for event in events:
        message = by_id[event["id"]]
        assert message.subject == f"openqualify.{api.org_id}.{event['type']}"
        assert json.loads(message.data) == event
