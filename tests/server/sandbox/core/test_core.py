"""The sandbox core: courses and versions, the organisation clock, recorded e-mails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import make_course, publish_version


def test_course_versions_share_root(api: Api) -> None:
    course = make_course(api, "Forklift basics")
    assert course["contentId"] == course["rootContentId"]
    again = publish_version(api, course["rootContentId"])
    assert again["rootContentId"] == course["rootContentId"]
    assert again["contentId"] != course["contentId"]
    assert [v["version"] for v in again["versions"]] == [1, 2]


def test_draft_course_has_no_content(api: Api) -> None:
    draft = make_course(api, "Work in progress", publish=False)
    assert "contentId" not in draft
    assert draft["draftId"] == draft["rootContentId"]


def test_unknown_course_version(api: Api) -> None:
    response = api.sandbox.post("/courses/nope/versions", json={})
    assert response.status_code == 404
    assert error_name(response) == "ObjectNotFoundError"


def test_clock_freeze_advance_and_reset(api: Api, other_api: Api) -> None:
    frozen = api.sandbox.put("/clock", json={"now": "2030-01-01T00:00:00Z"}).json()
    assert frozen == {"now": "2030-01-01T00:00:00.000Z", "frozen": True, "offsetSeconds": 0.0}
    advanced = api.sandbox.post("/clock/advance", json={"days": 2}).json()
    assert advanced["now"] == "2030-01-03T00:00:00.000Z"
    # Another organisation keeps real time.
    other_now = datetime.fromisoformat(other_api.sandbox.get("/clock").json()["now"].replace("Z", "+00:00"))
    assert abs(other_now - datetime.now(UTC)) < timedelta(minutes=5)
    running = api.sandbox.put("/clock", json={"now": "2031-06-01T00:00:00Z", "frozen": False}).json()
    assert running["frozen"] is False and running["offsetSeconds"] > 0
    real = api.sandbox.put("/clock", json={"now": None}).json()
    assert real["offsetSeconds"] == 0.0 and real["frozen"] is False


def test_emails_are_recorded(api: Api) -> None:
    api.post("/users", json={"email": "new@example.com", "firstName": "N", "lastName": "U"})
    api.post("/users/new@example.com/invite-email")
    emails = api.sandbox.get("/emails").json()
    assert [e["kind"] for e in emails] == ["invite", "invite"]
    assert {e["to"] for e in emails} == {"new@example.com"}


def test_sandbox_needs_a_token(api: Api) -> None:
    response = api.http.get("/_sandbox/clock")
    assert response.status_code == 401
    assert error_name(response) == "NotAuthorizedError"
