"""Progress: completion rules, learners-progress, a learner's progress, errors and isolation."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.fixtures.api import Api, error_name
from tests.fixtures.factories import insert_member
from tests.fixtures.progress import Scenario, add_page, set_progress

ANN = "ann@example.com"


def test_completion_weighs_pages_equally_and_tasks_partially(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine)
    intro, hazards, practice, _wrap = s.page_ids
    assert set_progress(api, s.offering, ANN, intro)["completion"] == "25"  # viewed, no tasks: full page
    assert set_progress(api, s.offering, ANN, hazards, tasks_done=1)["completion"] == "37"  # (1 + 0.5) / 4, floored
    # Tasks done on an unviewed page count nothing.
    assert set_progress(api, s.offering, ANN, practice, viewed=False, tasks_done=4)["completion"] == "37"
    got = api.get(f"/users/{ANN}/offerings/{s.offering}/progress")
    assert got.status_code == 200
    assert got.json() == {
        "id": s.user_ids[ANN],
        "email": ANN,
        "firstName": "Ann",
        "lastName": "Learner",
        "completion": "37",
    }
    # A new page of the course version lowers every learner's completion: 1.5 / 5.
    add_page(api, s.content_id, "Extra", 0)
    assert api.get(f"/users/{ANN}/offerings/{s.offering}/progress").json()["completion"] == "30"


def test_completion_reaches_100_only_when_every_page_is_complete(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine)
    for page_id, tasks in s.pages.items():
        result = set_progress(api, s.offering, ANN, page_id, tasks_done=tasks)
    assert result["completion"] == "100"
    assert set_progress(api, s.offering, ANN, s.page_ids[2], tasks_done=3)["completion"] == "93"  # 3.75/4


def test_learners_progress_lists_current_learners_only(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine, learners=("zoe@example.com", ANN))
    insert_member(sync_engine, api, s.offering, "mark@example.com", marker=True)
    set_progress(api, s.offering, ANN, s.page_ids[0])
    login = api.sandbox.post(f"/offerings/{s.offering}/users/{ANN}/logins", json={"at": "2026-02-01T09:30:00Z"})
    assert login.status_code == 201, login.text
    assert login.json()["firstAccessAt"] == "2026-02-01T09:30:00.000Z"

    rows = api.get(f"/offerings/{s.offering}/analytics/learners-progress")
    assert rows.status_code == 200
    body = rows.json()
    assert [r["email"] for r in body] == [ANN, "zoe@example.com"]
    assert body[0] == {
        "courseId": s.content_id,
        "email": ANN,
        "firstName": "Ann",
        "lastName": "Learner",
        "completion": "25",
        "lastLoggedInAt": "2026-02-01T09:30:00.000Z",
    }
    assert body[1]["completion"] == "0" and "lastLoggedInAt" not in body[1]
    # The login shows on the account too.
    user = api.get(f"/users/{ANN}").json()
    assert user["firstAccessAt"] == user["lastAccessAt"] == "2026-02-01T09:30:00.000Z"


def test_user_progress_across_offerings(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine)
    other = s.second_offering()
    insert_member(sync_engine, api, other, ANN)
    staffed = s.second_offering("Staffed")
    insert_member(sync_engine, api, staffed, ANN, facilitator=True)
    set_progress(api, s.offering, ANN, s.page_ids[0])
    got = api.get(f"/users/{ANN.upper()}/progress")
    assert got.status_code == 200
    body = got.json()
    assert body["id"] == s.user_ids[ANN] and body["email"] == ANN
    assert sorted((o["id"], o["completion"]) for o in body["offerings"]) == sorted([(s.offering, "25"), (other, "0")])


def test_progress_errors(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine)
    assert api.get("/users/not-an-email/progress").status_code == 400
    assert error_name(api.get(f"/users/bad/offerings/{s.offering}/progress")) == "SchemaValidationError"
    assert api.get("/users/nobody@example.com/progress").status_code == 404
    assert api.get(f"/users/nobody@example.com/offerings/{s.offering}/progress").status_code == 404
    assert api.get(f"/users/{ANN}/offerings/nope/progress").json()["details"] == "The offering nope was not found."
    staff = api.get(f"/users/fran@example.com/offerings/{s.offering}/progress")
    assert staff.status_code == 400
    assert staff.json() == {
        "name": "UserNotInOfferingError",
        "details": f"The user fran@example.com is not a learner in the offering {s.offering}.",
    }
    for path in ("learners-progress", "social-notes", "unit-reactions"):
        assert api.get(f"/offerings/nope/analytics/{path}").status_code == 404


def test_sandbox_progress_validation_changes_nothing(api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine)
    base = f"/offerings/{s.offering}/users/{ANN}/pages"
    bad_bodies = [{"tasksDone": 3}, {"tasksDone": "1"}, {"viewed": "yes"}, {"tasksDone": -1}, {"other": 1}]
    for body in bad_bodies:
        response = api.sandbox.put(f"{base}/{s.page_ids[1]}/progress", json=body)
        assert response.status_code == 400, body
        assert error_name(response) == "SchemaValidationError"
    assert api.sandbox.put(f"{base}/unknown/progress", json={}).status_code == 404
    staff = api.sandbox.put(f"/offerings/{s.offering}/users/fran@example.com/pages/{s.page_ids[0]}/progress", json={})
    assert error_name(staff) == "UserNotInOfferingError"
    assert api.get(f"/users/{ANN}/offerings/{s.offering}/progress").json()["completion"] == "0"
    assert api.sandbox.post("/content/unknown/pages", json={"title": "x"}).status_code == 404


def test_other_organisation_sees_nothing(api: Api, other_api: Api, sync_engine: Engine) -> None:
    s = Scenario(api, sync_engine)
    set_progress(api, s.offering, ANN, s.page_ids[0])
    assert other_api.get(f"/offerings/{s.offering}/analytics/learners-progress").status_code == 404
    assert other_api.get(f"/users/{ANN}/progress").status_code == 404
    assert other_api.get(f"/users/{ANN}/offerings/{s.offering}/progress").status_code == 404
    assert other_api.get("/users/all/progress").json()["data"]["progress"] == []
    assert (
        other_api.sandbox.put(
            f"/offerings/{s.offering}/users/{ANN}/pages/{s.page_ids[0]}/progress", json={}
        ).status_code
        == 404
    )
    assert other_api.sandbox.get(f"/content/{s.content_id}/pages").status_code == 404
