"""The end-to-end slice through a real pgbouncer in transaction mode (decision Y5): `openqualify serve` with two
workers, its units of work, compiled reads and the Event hub's dispatcher all through pgbouncer, the read path
on the standby, and read-your-writes across the two workers (each request on a connection of its own)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.event_hub import Receiver, endpoint
from tests.fixtures.live import start_server
from tests.topology.topology import Topology

pytestmark = pytest.mark.e2e


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else None


def test_the_end_to_end_slice_through_pgbouncer_with_reads_on_the_standby(built: Topology) -> None:
    before = built.bouncer_transactions()
    receiver = Receiver()
    env = {
        "OPENQUALIFY_DATABASE_POOLER": "pgbouncer",
        "OPENQUALIFY_DATABASE_REPLICA_URLS": built.standby_url,
        "OPENQUALIFY_EVENT_HUB_POLL_SECONDS": "0.2",
    }
    server = start_server(built.bouncer_url, "--workers", "2", env=env)
    try:
        headers = built.new_org()

        def call(method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
            # A client of its own per request: connections land on either worker.
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
                return _ok(client.request(method, path, **kwargs), status)

        assert call("GET", "/v1/org")["name"].startswith("Topology ")
        assert call("GET", "/v1/offerings") == []
        hub = call("PUT", "/event-hub/settings", json={"enabled": True, "defaultEndpoints": [endpoint(receiver.url())]})
        receiver.secrets = [hub["signingSecret"]]
        course = call("POST", "/_sandbox/courses", 201, json={"name": "Through pgbouncer"})
        offering = call("POST", "/v1/offerings", 201, json={
            "name": "Through pgbouncer", "contentId": course["contentId"], "start": "2020-01-01T00:00:00Z"})
        assert call("GET", f"/v1/offerings/{offering['id']}")["name"] == "Through pgbouncer"
        learners = [{"email": f"pgb-{n}@example.com", "firstName": "P", "lastName": str(n), "isFacilitator": False,
                     "isMarker": False, "isReadonly": False} for n in range(20)]
        call("POST", f"/v1/offerings/{offering['id']}/users", 201, json=learners)
        listed = call("GET", f"/v1/offerings/{offering['id']}/users")
        assert {user["email"] for user in listed} >= {learner["email"] for learner in learners}
        for n in range(20):  # each write read back at once, by another connection (either worker)
            email = f"pgb-{n}@example.com"
            call("PATCH", f"/v1/users/{email}", json={"firstName": f"Renamed{n}"})
            assert call("GET", f"/v1/users/{email}")["firstName"] == f"Renamed{n}"
        feed = call("GET", "/event-hub/events", params={"limit": 1000})
        assert len(feed["events"]) >= 41  # offering.created, 20 user.created, 20 offering.user_added, updates
        events = receiver.wait_for(len(feed["events"]), timeout=60)  # the dispatcher, through pgbouncer too
        assert len(events) == len(feed["events"])
        assert all(r.verified_with == [0] for r in receiver.received)
        assert "Traceback" not in server.log(), server.log()[-3000:]
    finally:
        server.stop()
        receiver.stop()
    assert built.bouncer_transactions() - before > 100, "the server's transactions did not go through pgbouncer"
