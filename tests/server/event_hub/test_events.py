"""Every event type raised by its real operation (the API's writes, the sandbox's, bulk items one by one), in the
transaction of the change, with its payload as documented."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from openqualify.server.event_hub.catalogue import EVENT_TYPES
from openqualify.server.event_hub.emit import WAKE_KEY, OutboxWriteError, Staged, _check_written
from openqualify.server.kit.chunks import CHUNK
from openqualify.server.kit.tenancy import ORG_KEY
from tests.fixtures.api import Api
from tests.fixtures.event_hub import configure, feed, hub
from tests.fixtures.factories import make_course

LEARNER = {"email": "lea@example.com", "firstName": "Lea", "lastName": "Rner", "personId": "P-42"}
MARKER = {"email": "mark@example.com", "firstName": "Mark", "lastName": "Er"}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _offering(api: Api, content_id: str, name: str, **fields: Any) -> dict[str, Any]:
    body = {"name": name, "contentId": content_id, "start": "2020-01-01T00:00:00Z", **fields}
    return _ok(api.post("/offerings", json=body), 201)  # type: ignore[no-any-return]


def _last(events: list[dict[str, Any]], type_: str) -> dict[str, Any]:
    found = [e for e in events if e["type"] == type_]
    assert found, f"no {type_} event in {[e['type'] for e in events]}"
    return found[-1]


def _person(user: dict[str, Any]) -> dict[str, Any]:
    return {k: user.get(k) for k in ("email", "firstName", "lastName", "personId")}


def test_every_event_type_is_raised_by_its_operation_with_its_payload(api: Api) -> None:
    configure(api)  # on, no endpoint: the feed shows every event
    course = _ok(api.sandbox.post("/courses", json={"name": "Safety", "tags": ["safety", "core"]}), 201)
    content_id = course["contentId"]
    offering = _offering(
        api, content_id, "Safety 101", metadata={"tags": ["cohort-1"]}, badge={"title": "Safe worker"},
        identifier="S-101",
    )
    other = _offering(api, content_id, "Safety 102")
    page = _ok(api.sandbox.post(f"/content/{content_id}/pages", json={"title": "Welcome", "taskCount": 0}), 201)
    task = _ok(api.sandbox.post("/assessments", json={"contentId": content_id, "type": "assignment",
                                                      "title": "Case study"}), 201)
    quiz = _ok(api.sandbox.post("/assessments", json={"contentId": content_id, "type": "quiz", "title": "Check"}), 201)

    # Users
    _ok(api.post("/users", json={**MARKER, "metadata": {"tags": ["staff"]}}), 201)
    _ok(api.patch(f"/users/{MARKER['email']}", json={"lastName": "Marker"}))
    _ok(api.post(f"/users/{MARKER['email']}/permissions/builder"))
    reviewer = {"isBuilder": False, "isReviewer": True}
    _ok(api.post(f"/courses/{course['rootContentId']}/permissions/{MARKER['email']}", json=reviewer), 201)
    # Enrolment (a bulk add of one learner, who is a new user, and the marker)
    added = api.post(f"/offerings/{offering['id']}/users", json=[
        {**LEARNER, "isFacilitator": False, "isMarker": False, "isReadonly": False},
        {"email": MARKER["email"], "isFacilitator": False, "isMarker": True, "isReadonly": False},
    ])
    assert added.status_code == 201, added.text
    # Content
    _ok(api.sandbox.put(f"/offerings/{offering['id']}/users/{LEARNER['email']}/pages/{page['id']}/progress",
                        json={"viewed": True}))
    _ok(api.sandbox.post(f"/offerings/{offering['id']}/unit-reactions",
                         json={"email": LEARNER["email"], "pageId": page["id"], "reaction": "thumbs-up"}), 201)
    award = _ok(api.post(f"/offerings/{offering['id']}/users/{LEARNER['email']}/badges/award"), 201)
    # Assessment
    submission = _ok(api.sandbox.post(f"/offerings/{offering['id']}/assessments/{task['id']}/submissions",
                                      json={"email": LEARNER["email"], "html": "<p>done</p>"}), 201)
    mark = _ok(api.sandbox.post(f"/submissions/{submission['id']}/marks",
                                json={"mark": "80", "feedback": "Good", "markedBy": MARKER["email"]}), 201)
    _ok(api.delete(f"/offerings/{offering['id']}/users/{LEARNER['email']}/assessments/{task['id']}"), 204)
    attempt = _ok(api.sandbox.post(f"/offerings/{offering['id']}/assessments/{quiz['id']}/attempts",
                                   json={"email": LEARNER["email"], "mark": "75"}), 201)
    # Social
    channel = _ok(api.post(f"/offerings/{offering['id']}/channels", json={"title": "General"}), 201)
    post = _ok(api.sandbox.post(f"/offerings/{offering['id']}/channels/{channel['id']}/posts",
                                json={"email": LEARNER["email"], "title": "Hi", "content": "<p>Hello</p>"}), 201)
    comment = _ok(api.sandbox.post(f"/posts/{post['id']}/comments",
                                   json={"email": MARKER["email"], "content": "<p>Welcome</p>"}), 201)
    pulse = _ok(api.sandbox.post(f"/offerings/{offering['id']}/pulses",
                                 json={"question": "How is it going?", "pulseType": "submit_text"}), 201)
    run = _ok(api.sandbox.post(f"/offerings/{offering['id']}/pulses/{pulse['id']}/runs", json={}), 201)
    response = _ok(api.sandbox.post(f"/offerings/{offering['id']}/pulses/{pulse['id']}/runs/{run['id']}/responses",
                                    json={"email": LEARNER["email"], "response": {"textAnswer": "Well"}}), 201)
    # Offerings
    _ok(api.patch(f"/offerings/{offering['id']}", json={"name": "Safety 101 (spring)"}))
    _ok(api.put(f"/offerings/{offering['id']}/metadata/tags", json={"tags": ["cohort-1", "spring"]}))
    # More enrolment, and the rest of users
    _ok(api.patch(f"/users/{LEARNER['email']}/transfer", json={"fromOfferingId": offering["id"],
                                                               "toOfferingId": other["id"]}))
    _ok(api.delete(f"/offerings/{other['id']}/users/{LEARNER['email']}"), 204)
    _ok(api.put(f"/users/{MARKER['email']}/suspend", json={"suspended": True}), 204)

    events = feed(api)
    assert {e["type"] for e in events} == set(EVENT_TYPES)
    assert all(e["test"] is False and e["id"].startswith("evt_") for e in events)
    learner = {**_person(LEARNER)}
    offering_block = {"id": offering["id"], "name": "Safety 101", "tags": ["cohort-1"]}
    course_block = {"contentId": content_id, "rootContentId": course["rootContentId"], "name": "Safety",
                    "tags": ["safety", "core"]}

    def learning(event: dict[str, Any], offering_: dict[str, Any] = offering_block) -> None:
        data = event["data"]
        assert {k: data["user"][k] for k in learner} == learner
        assert data["offering"] == offering_
        assert data["course"] == course_block

    created = [e for e in events if e["type"] == "user.created"]
    assert [e["data"]["user"]["email"] for e in created] == [MARKER["email"], LEARNER["email"]]
    assert created[0]["data"]["user"]["tags"] == ["staff"]
    updated = [e["data"]["changed"] for e in events if e["type"] == "user.updated"]
    assert updated == [["lastName"]]
    permissions = [e["data"] for e in events if e["type"] == "user.permission_added"]
    assert [p["permission"] for p in permissions] == ["builder", "reviewer"]
    assert permissions[1]["course"]["rootContentId"] == course["rootContentId"]
    assert _last(events, "user.suspended")["data"]["user"]["email"] == MARKER["email"]

    user_added = [e for e in events if e["type"] == "offering.user_added"]
    assert [(e["data"]["user"]["email"], e["data"]["role"]) for e in user_added] == [
        (LEARNER["email"], "learner"), (MARKER["email"], "marker")]
    learning(user_added[0])
    assert user_added[1]["data"]["isMarker"] is True
    transferred = _last(events, "offering.user_transferred")["data"]
    assert transferred["fromOffering"]["id"] == offering["id"] and transferred["offering"]["id"] == other["id"]
    removed = _last(events, "offering.user_removed")
    assert removed["data"]["offering"]["id"] == other["id"] and removed["data"]["role"] == "learner"

    viewed = _last(events, "page.viewed")
    learning(viewed)
    assert viewed["data"]["page"] == {"id": page["id"], "title": "Welcome", "tags": []}
    assert _last(events, "unit.reacted")["data"]["reaction"] == "thumbs-up"
    completed = _last(events, "learner.completed")  # the course's only page viewed: 100 %
    learning(completed)
    assert completed["data"]["completion"] == 100
    badge = _last(events, "badge.awarded")
    learning(badge)
    assert badge["data"]["badge"]["title"] == "Safe worker" and badge["data"]["badge"]["id"] == award["badgeId"]

    submitted = _last(events, "assessment.submitted")
    learning(submitted)
    assert submitted["data"]["assessment"] == {"id": task["id"], "title": "Case study", "type": "assignment",
                                               "tags": []}
    assert submitted["data"]["submission"]["id"] == submission["id"]
    marked = _last(events, "assessment.marked")["data"]
    assert marked["mark"] == {"id": mark["id"], "mark": "80", "feedback": "Good"}
    assert marked["marker"]["email"] == MARKER["email"]
    assert _last(events, "assessment.reset")["data"]["submission"]["id"] == submission["id"]
    quizzed = _last(events, "quiz.attempted")["data"]
    assert quizzed["quiz"]["id"] == quiz["id"] and quizzed["attempt"] == {
        "id": attempt["id"], "mark": "75", "attemptedAt": attempt["attemptedAt"]}

    posted = _last(events, "channel.post_created")
    learning(posted)
    assert posted["data"]["channel"] == {"id": channel["id"], "title": "General"}
    assert posted["data"]["post"] == {"id": post["id"], "title": "Hi", "content": "<p>Hello</p>"}
    commented = _last(events, "channel.comment_created")["data"]
    assert commented["user"]["email"] == MARKER["email"]
    assert commented["comment"] == {"id": comment["id"], "content": "<p>Welcome</p>", "parentCommentId": None}
    responded = _last(events, "pulse.responded")
    learning(responded)
    assert responded["data"]["pulse"]["question"] == "How is it going?"
    assert responded["data"]["response"]["id"] == response["id"]
    assert responded["data"]["response"]["answer"] == {"textAnswer": "Well"}

    created_offering = [e["data"] for e in events if e["type"] == "offering.created"]
    assert created_offering[0]["offering"]["identifier"] == "S-101"
    assert created_offering[0]["course"] == course_block
    offering_updates = [e["data"] for e in events if e["type"] == "offering.updated"]
    assert [u["changed"] for u in offering_updates] == [["name"], ["metadata.tags"]]
    assert offering_updates[1]["offering"]["tags"] == ["cohort-1", "spring"]


def test_a_change_that_changes_nothing_raises_nothing(api: Api) -> None:
    configure(api)
    api.post("/users", json=MARKER)
    assert api.patch(f"/users/{MARKER['email']}", json={"firstName": MARKER["firstName"]}).status_code == 200
    assert [e["type"] for e in feed(api)] == ["user.created"]


def test_a_rolled_back_request_raises_nothing(api: Api) -> None:
    """The commit of a unit of work that raised an event fails (the database refuses it at the last moment): the
    request answers 500, and neither the change nor its event exists; the next event takes the next position."""
    configure(api)
    api.post("/users", json={"email": "first@example.com"})

    def refuse(session: Session) -> None:
        if session.info.get(ORG_KEY) == api.org_id and session.info.get(WAKE_KEY):  # events were numbered
            raise RuntimeError("the database refused the commit")

    event.listen(Session, "before_commit", refuse)
    try:
        failed = api.http.post("/v1/users", json={"email": "lost@example.com"}, headers={"Authorization": api.token})
    finally:
        event.remove(Session, "before_commit", refuse)
    assert failed.status_code == 500
    assert api.get("/users/lost@example.com").status_code == 404
    api.post("/users", json={"email": "second@example.com"})
    events = feed(api)
    assert [e["data"]["user"]["email"] for e in events] == ["first@example.com", "second@example.com"]


def test_requests_that_lose_a_race_raise_their_event_once(api: Api) -> None:
    """Concurrent creations of one account: the losers are rolled back and run again (answering 409-like
    ObjectExistsError); exactly one user.created is raised."""
    configure(api)

    def create() -> int:
        return api.http.post(
            "/v1/users", json={"email": "race@example.com"}, headers={"Authorization": api.token}
        ).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda _: create(), range(6)))
    assert sorted(statuses) == [201] + [400] * 5
    assert [e["type"] for e in feed(api)] == ["user.created"]


def test_hub_off_raises_nothing_and_a_type_turned_off_raises_nothing(api: Api) -> None:
    configure(api, enabled=False)
    api.post("/users", json={"email": "a@example.com"})
    assert feed(api) == []
    configure(api, events={"user.created": {"enabled": False}})
    api.post("/users", json={"email": "b@example.com"})
    api.patch("/users/b@example.com", json={"firstName": "Bea"})
    assert [e["type"] for e in feed(api)] == ["user.updated"]


def test_anonymous_events_drop_who_did_it(api: Api) -> None:
    configure(api, events={"user.updated": {"anonymous": True}})
    api.post("/users", json={"email": "anon@example.com", "firstName": "A"})
    api.patch("/users/anon@example.com", json={"firstName": "B"})
    created, updated = feed(api)
    assert created["data"]["user"]["email"] == "anon@example.com"
    assert updated["data"] == {"changed": ["firstName"]}


def test_another_organisation_sees_nothing_of_the_first(api: Api, other_api: Api) -> None:
    configure(api)
    api.post("/users", json={"email": "mine@example.com"})
    assert len(feed(api)) == 1
    assert feed(other_api) == []
    theirs = hub(other_api).get("/settings").json()
    assert theirs["enabled"] is False and "signingSecret" not in theirs
    [event] = feed(api)
    assert hub(other_api).post(f"/events/{event['id']}/redeliver").status_code == 404
    assert hub(other_api).get("/deliveries", params={"eventId": event["id"]}).json()["deliveries"] == []


def test_a_bulk_add_larger_than_a_chunk_raises_every_event_numbered_in_order(api: Api, sync_engine: Engine) -> None:
    """A bulk operation's events are written a chunk at a time before its commit (on PostgreSQL unnumbered) and
    the rest by the commit: every item's events, at dense positions in the request's order, each with its
    delivery."""
    configure(api, defaultEndpoints=[{"url": "http://127.0.0.1:9/hook", "enabled": True, "headers": {}}])
    offering = _offering(api, make_course(api)["contentId"], "Big intake")
    count = CHUNK + 7  # user.created chunk, rest; offering.user_added: rest + chunk, rest
    people = [{"email": f"bulk{n:04}@example.com", "firstName": "B", "lastName": str(n)} for n in range(count)]
    _ok(api.post(f"/offerings/{offering['id']}/users", json=people), 201)
    emails = [p["email"] for p in people]
    raised = [e for e in feed(api) if e["type"] != "offering.created"]
    assert [(e["type"], e["data"]["user"]["email"]) for e in raised] == [
        *(("user.created", email) for email in emails),
        *(("offering.user_added", email) for email in emails),
    ]
    with sync_engine.connect() as connection:
        positions = connection.execute(
            text("SELECT position FROM event_hub_events WHERE org_id = :org ORDER BY position"), {"org": api.org_id}
        ).scalars().all()
        delivered_to = connection.execute(
            text("SELECT count(DISTINCT event_id) FROM event_hub_deliveries WHERE org_id = :org"), {"org": api.org_id}
        ).scalar_one()
    assert positions == list(range(1, 2 * count + 2))  # the offering's event first
    assert delivered_to == 2 * count + 1


def test_the_outbox_rides_on_the_units_last_statement(api: Api) -> None:
    """The hub adds no statement of SQLAlchemy's to a raising write: on PostgreSQL the events and deliveries go in
    with the data version's bump (one statement), on SQLite through sqlite3's own cursor."""
    configure(api, defaultEndpoints=[{"url": "http://127.0.0.1:9/hook", "enabled": True, "headers": {}}])
    outbox: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "INSERT INTO event_hub_events" in statement:
            outbox.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        _ok(api.post("/users", json={"email": "one@example.com"}), 201)
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    if api.http.app.state.engine.dialect.name == "postgresql":  # type: ignore[attr-defined]
        [statement] = outbox
        assert "org_data_versions" in statement
    else:
        assert outbox == []
    [created] = feed(api)
    assert created["type"] == "user.created"
    assert len(hub(api).get("/deliveries", params={"eventId": created["id"]}).json()["deliveries"]) == 1


def test_rows_the_outbox_did_not_write_fail_the_unit_of_work() -> None:
    staged = Staged("org", events=[{"id": "evt_1"}], deliveries=[{"id": "dlv_1"}], count=1)
    _check_written(staged, (1, 1))
    with pytest.raises(OutboxWriteError, match="wrote 0 of 1 events"):
        _check_written(staged, (0, 0))
