"""The hub in real server processes: the feed's cursor under concurrent writers (several workers), no event
delivered twice by two workers, and every event delivered after `kill -9` of the server during a burst."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from tests.fixtures.event_hub import Receiver, endpoint
from tests.fixtures.live import ServerProcess, start_server

pytestmark = pytest.mark.e2e

FAST = {"OPENQUALIFY_EVENT_HUB_POLL_SECONDS": "0.2"}


class Org:
    def __init__(self, server: ServerProcess, token: str) -> None:
        self.server = server
        self.token = token

    def client(self, prefix: str = "/v1") -> httpx.Client:
        return httpx.Client(
            base_url=self.server.base_url + prefix, headers={"Authorization": f"Bearer {self.token}"}, timeout=60
        )


def _new_org(engine: Engine, server: ServerProcess) -> Org:
    with admin_session(engine) as session:
        _, token = create_org(session, f"Hub live {uuid.uuid4().hex[:10]}")
        session.commit()
    return Org(server, token)


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.status_code} {response.text}"
    return response.json() if response.content else None


def _feed(org: Org) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = ""
    with org.client("/event-hub") as hub:
        for _ in range(1000):
            page = _ok(hub.get("/events", params={"after": after, "limit": 1000}))
            if not page["events"]:
                return events
            events += page["events"]
            after = page["next"]
    raise AssertionError("the feed did not end")


def _configure(org: Org, receiver: Receiver | None) -> None:
    body = {"enabled": True, "defaultEndpoints": [endpoint(receiver.url())] if receiver else []}
    with org.client("/event-hub") as hub:
        settings = _ok(hub.put("/settings", json=body))
    if receiver is not None:
        receiver.secrets = [settings["signingSecret"]]


def _offering(org: Org) -> str:
    with org.client("/_sandbox") as sandbox:
        course = _ok(sandbox.post("/courses", json={"name": "Burst"}), 201)
    body = {"name": "Burst", "contentId": course["contentId"], "start": "2020-01-01T00:00:00Z"}
    with org.client() as api:
        offering = _ok(api.post("/offerings", json=body), 201)
    return str(offering["id"])


def _bulk_add(org: Org, offering_id: str, count: int, tag: str) -> None:
    learners = [
        {"email": f"{tag}-{n}@example.com", "firstName": "L", "lastName": str(n), "isFacilitator": False,
         "isMarker": False, "isReadonly": False}
        for n in range(count)
    ]
    with org.client() as api:
        _ok(api.post(f"/offerings/{offering_id}/users", json=learners), 201)


WRITERS = 6
WRITES_EACH = 40


def test_the_cursor_sees_every_event_once_in_commit_order_under_concurrent_writers(
    database_url: str, sync_engine: Engine
) -> None:
    """Writers on two worker processes and a reader following `next` as they write: what the reader saw is the
    final feed, in the same order: no event skipped (committed later at an earlier position) or repeated."""
    server = start_server(database_url, "--workers", "2", env=FAST)
    try:
        org = _new_org(sync_engine, server)
        _configure(org, None)
        done = threading.Event()
        seen: list[str] = []
        errors: list[str] = []

        def write(w: int) -> None:
            with org.client() as api:
                for n in range(WRITES_EACH):
                    response = api.post("/users", json={"email": f"w{w}-{n}@example.com"})
                    if response.status_code != 201:
                        errors.append(response.text)

        def follow() -> None:
            after = ""
            with org.client("/event-hub") as hub:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    finished = done.is_set()  # read before the page: a page read after the last commit ends it
                    page = _ok(hub.get("/events", params={"after": after, "limit": 25}))
                    seen.extend(e["id"] for e in page["events"])
                    after = page["next"]
                    if finished and not page["events"]:
                        return

        reader = threading.Thread(target=follow)
        reader.start()
        writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join(timeout=120)
        done.set()
        reader.join(timeout=120)
        assert not errors, errors[:3]
        final = [e["id"] for e in _feed(org)]
        assert len(final) == WRITERS * WRITES_EACH
        assert len(set(seen)) == len(seen), "the reader was given an event twice"
        assert seen == final, "the reader missed events or saw them out of the final order"
    finally:
        server.stop()


def test_two_workers_deliver_each_event_once(database_url: str, sync_engine: Engine) -> None:
    receiver = Receiver()
    server = start_server(database_url, "--workers", "2", env=FAST)
    try:
        org = _new_org(sync_engine, server)
        _configure(org, receiver)
        offering_id = _offering(org)
        for batch in range(3):
            _bulk_add(org, offering_id, 100, f"b{batch}")
        expected = {e["id"] for e in _feed(org)}
        assert len(expected) == 601  # offering.created, 300 user.created, 300 offering.user_added
        deadline = time.monotonic() + 120
        while {r.headers["webhook-id"] for r in receiver.received} != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)
        counts = Counter(r.headers["webhook-id"] for r in receiver.received)
        assert set(counts) == expected
        assert [i for i, n in counts.items() if n > 1] == [], "delivered twice"
        assert all(r.verified_with == [0] for r in receiver.received)
    finally:
        server.stop()
        receiver.stop()


@pytest.mark.parametrize("workers", [1, 2], ids=["one-worker", "two-workers"])
def test_every_event_is_delivered_after_kill_9_during_a_burst(
    database_url: str, sync_engine: Engine, workers: int
) -> None:
    """A burst of 1,000 deliveries to a slowish receiver; the server is killed mid-burst and started again: every
    event arrives (0 lost) once the dead process's leases expire; duplicates are counted and reported."""
    env = {**FAST, "OPENQUALIFY_EVENT_HUB_LEASE_SECONDS": "3", "OPENQUALIFY_EVENT_HUB_TIMEOUT_SECONDS": "0.5",
           "OPENQUALIFY_EVENT_HUB_CONCURRENCY": "8"}
    receiver = Receiver()
    receiver.default.delay = 0.01
    server = start_server(database_url, "--workers", str(workers), env=env)
    try:
        org = _new_org(sync_engine, server)
        _configure(org, receiver)
        offering_id = _offering(org)
        _bulk_add(org, offering_id, 500, "k")
        expected = {e["id"] for e in _feed(org)}
        assert len(expected) == 1001
        deadline = time.monotonic() + 60
        while len(receiver.received) < 100 and time.monotonic() < deadline:
            time.sleep(0.02)
        server.kill()
        at_kill = len({r.headers["webhook-id"] for r in receiver.received})
        assert at_kill < len(expected), "the burst was over before the kill"
        server = start_server(database_url, "--workers", str(workers), env=env)
        deadline = time.monotonic() + 120
        while {r.headers["webhook-id"] for r in receiver.received} != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        counts = Counter(r.headers["webhook-id"] for r in receiver.received)
        lost = expected - set(counts)
        duplicates = sum(n - 1 for n in counts.values())
        print(f"\nkill -9 ({workers} worker(s)) after {at_kill} of {len(expected)} events delivered: "
              f"{len(lost)} lost, {duplicates} duplicates")
        assert not lost, f"{len(lost)} events never delivered"
    finally:
        server.stop()
        receiver.stop()
