"""The pull feed: commit order, the cursor, type filters, and cursors older than the retention period."""

from __future__ import annotations

from datetime import timedelta

from openqualify.server.kit.clock import system_now
from tests.fixtures.api import Api
from tests.fixtures.event_hub import configure, feed, hub


def _users(api: Api, *names: str) -> None:
    for name in names:
        assert api.post("/users", json={"email": f"{name}@example.com"}).status_code == 201


def test_the_cursor_walks_the_feed_in_commit_order(api: Api) -> None:
    empty = hub(api).get("/events").json()
    assert empty == {"events": [], "next": "0"}
    configure(api)
    _users(api, "a", "b", "c", "d", "e")
    assert api.patch("/users/b@example.com", json={"firstName": "Bee"}).status_code == 200
    seen, after, pages = [], "", 0
    while True:
        page = hub(api).get("/events", params={"after": after, "limit": 2}).json()
        if not page["events"]:
            assert page["next"] == after  # an empty page keeps the cursor: poll again with it
            break
        pages += 1
        seen += page["events"]
        after = page["next"]
    assert pages == 3
    assert [e["data"]["user"]["email"] for e in seen] == [f"{n}@example.com" for n in "abcdeb"]
    assert seen == feed(api)
    updates = hub(api).get("/events", params={"type": "user.updated"}).json()
    assert [e["type"] for e in updates["events"]] == ["user.updated"]
    both = hub(api).get("/events", params={"type": "user.updated,user.created", "limit": 3}).json()
    assert len(both["events"]) == 3
    nothing_new = hub(api).get("/events", params={"type": "badge.awarded", "after": after}).json()
    assert nothing_new["events"] == [] and nothing_new["next"] == after


def test_a_cursor_older_than_the_retention_answers_410(api: Api) -> None:
    configure(api)
    _users(api, "old1", "old2")
    old_cursor = hub(api).get("/events", params={"limit": 1}).json()["next"]
    runtime = api.http.app.state.event_hub  # type: ignore[attr-defined]
    assert api.http.portal.call(runtime.prune, system_now() + timedelta(seconds=1)) >= 2  # type: ignore[union-attr]
    _users(api, "new")
    expired = hub(api).get("/events", params={"after": old_cursor})
    assert expired.status_code == 410 and expired.json()["name"] == "CursorExpiredError"
    fresh = hub(api).get("/events").json()
    assert [e["data"]["user"]["email"] for e in fresh["events"]] == ["new@example.com"]
    assert hub(api).get("/events", params={"after": "2"}).status_code == 200  # the last pruned position is fine
