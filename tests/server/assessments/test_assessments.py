"""Assessment management: listing, PATCH with relative dates, documents, learners' quiz due dates, reset to draft,
a learner's open-response submissions, activities."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, update

from openqualify.server.db.models import Membership
from openqualify.server.kit.tenancy import admin_session
from tests.fixtures.api import Api, error_name
from tests.fixtures.assessments import (
    NOW,
    add_assessment,
    add_mark,
    add_submission,
    insert_offering,
    iso,
    make_setup,
)
from tests.fixtures.factories import make_course


def test_assessments_are_per_content_and_dates_follow_the_offering(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api)
    quiz = add_assessment(
        api,
        s.course["contentId"],
        type="quiz",
        title="Safety quiz",
        markType="percentage",
        markNumber="100",
        durationMinutes=20,
        maxAttempts=3,
        themes=[{"filter": "hazards", "numberOfQuestions": 5}, {"filter": "ppe", "numberOfQuestions": 3}],
        openOffsetDays=0,
        dueOffsetDays=14,
    )
    task = add_assessment(
        api,
        s.course["contentId"],
        title="Hazard report",
        content="<p>Describe</p>",
        markType="grade",
        openDate="2030-03-01T00:00:00Z",
        dueDate="2030-03-20T00:00:00+13:00",
        hidden=True,
    )
    listed = api.get(f"/offerings/{s.offering_id}/assessments")
    assert listed.status_code == 200
    first, second = listed.json()
    assert first["id"] == quiz["id"] and second["id"] == task["id"]
    assert first["openDate"] == iso(NOW - timedelta(days=10))
    assert first["dueDate"] == iso(NOW + timedelta(days=4))
    assert first["themes"] == [
        {"filter": "hazards", "numberOfQuestions": "5"},
        {"filter": "ppe", "numberOfQuestions": "3"},
    ]
    assert first["totalQuestions"] == 8 and first["totalThemes"] == 2
    assert first["hidden"] is False and first["documents"] == []
    assert second["dueDate"] == "2030-03-19T11:00:00.000Z"
    assert second["hidden"] is True and "themes" not in second
    # Another offering of the same content starts later: the offsets follow its start.
    later = insert_offering(sync_engine, api, s.course, start=NOW + timedelta(days=30))
    got = api.get(f"/offerings/{later}/assessments").json()
    assert [a["id"] for a in got] == [quiz["id"], task["id"]]
    assert got[0]["dueDate"] == iso(NOW + timedelta(days=44))
    # Another course's offering has none.
    other = insert_offering(sync_engine, api, make_course(api, "Other"))
    assert api.get(f"/offerings/{other}/assessments").json() == []


def test_unknown_offering_and_isolation(sync_engine: Engine, api: Api, other_api: Api) -> None:
    s = make_setup(sync_engine, api)
    task = add_assessment(api, s.course["contentId"])
    for path in (
        "/offerings/nope/assessments",
        "/offerings/nope/activities/openresponse",
        "/offerings/nope/learners/pending-submission",
    ):
        response = api.get(path)
        assert response.status_code == 404 and error_name(response) == "ObjectNotFoundError"
    # The other organisation sees neither the offering nor the assessment.
    assert other_api.get(f"/offerings/{s.offering_id}/assessments").status_code == 404
    assert other_api.patch(f"/offerings/{s.offering_id}/assessments/{task['id']}", json={}).status_code == 404
    other_course = make_course(other_api, "Mine")
    other_offering = insert_offering(sync_engine, other_api, other_course)
    response = other_api.patch(f"/offerings/{other_offering}/assessments/{task['id']}", json={"content": "x"})
    assert response.status_code == 404
    assert response.json()["details"] == f"The assessment {task['id']} was not found."
    assert (
        other_api.sandbox.post(
            "/assessments", json={"contentId": s.course["contentId"], "type": "quiz", "title": "x"}
        ).status_code
        == 404
    )


def test_patch_sets_offering_values_only(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api)
    task = add_assessment(
        api,
        s.course["contentId"],
        content="Course text",
        markType="points",
        markNumber="10",
        openDate="2030-03-01T00:00:00Z",
        dueDate="2030-03-20T00:00:00Z",
    )
    other = insert_offering(sync_engine, api, s.course)
    response = api.patch(
        f"/offerings/{s.offering_id}/assessments/{task['id']}",
        json={"content": "Class text", "markNumber": "20", "markType": "percentage", "dueDate": "2030-04-01T00:00:00Z"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["content"], body["markNumber"], body["markType"]) == ("Class text", "20", "percentage")
    assert body["openDate"] == "2030-03-01T00:00:00.000Z" and body["dueDate"] == "2030-04-01T00:00:00.000Z"
    assert api.get(f"/offerings/{s.offering_id}/assessments").json()[0] == body
    untouched = api.get(f"/offerings/{other}/assessments").json()[0]
    assert (untouched["content"], untouched["markNumber"], untouched["dueDate"]) == (
        "Course text",
        "10",
        "2030-03-20T00:00:00.000Z",
    )
    # An empty patch changes nothing.
    assert api.patch(f"/offerings/{s.offering_id}/assessments/{task['id']}", json={}).json() == body


def test_patch_rejects_bad_input(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api)
    task = add_assessment(api, s.course["contentId"], openDate="2030-03-01T00:00:00Z", dueDate="2030-03-20T00:00:00Z")
    path = f"/offerings/{s.offering_id}/assessments/{task['id']}"
    for body in (
        {"dueDate": "tomorrow"},
        {"markNumber": ""},
        {"markType": ""},
        {"markType": "stars"},
        {"content": 5},
        {"content": None},
        {"openDate": 1},
    ):
        response = api.patch(path, json=body)
        assert response.status_code == 400 and error_name(response) == "SchemaValidationError", body
    assert api.patch(path).status_code == 400
    response = api.patch(path, json={"dueDate": "2030-02-01T00:00:00Z"})
    assert response.status_code == 400 and error_name(response) == "ValidationError"
    assert response.json()["details"] == (
        'The specified parameter dueDate has an invalid value "2030-02-01T00:00:00.000Z is before the openDate".'
    )
    response = api.patch(path, json={"openDate": "2030-04-01T00:00:00Z", "content": "new"})
    assert error_name(response) == "ValidationError"
    assert api.get(f"/offerings/{s.offering_id}/assessments").json()[0]["dueDate"] == "2030-03-20T00:00:00.000Z"
    assert "content" not in api.get(f"/offerings/{s.offering_id}/assessments").json()[0]
    assert api.patch(f"/offerings/{s.offering_id}/assessments/nope", json={}).status_code == 404


def test_relative_offering_rejects_absolute_dates(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api, use_relative_dates=True)
    quiz = add_assessment(api, s.course["contentId"], type="quiz", openOffsetDays=1, dueOffsetDays=5)
    path = f"/offerings/{s.offering_id}/assessments/{quiz['id']}"
    response = api.patch(path, json={"dueDate": "2030-04-01T00:00:00Z", "content": "x"})
    assert response.status_code == 400
    assert response.json() == {
        "name": "OfferingIncompatibleDatesError",
        "details": "The specified offering has relative dates enabled. Absolute task dates can not be set.",
    }
    assert "content" not in api.get(f"/offerings/{s.offering_id}/assessments").json()[0]
    ok = api.patch(path, json={"content": "x", "markType": "competency"})
    assert ok.status_code == 200 and ok.json()["content"] == "x"
    assert ok.json()["dueDate"] == iso(NOW - timedelta(days=5))


def test_documents_are_removed_per_offering(sync_engine: Engine, api: Api, other_api: Api) -> None:
    s = make_setup(sync_engine, api)
    task = add_assessment(api, s.course["contentId"])
    other = insert_offering(sync_engine, api, s.course)
    shared = api.sandbox.post(
        f"/assessments/{task['id']}/documents",
        json={"filename": "brief.pdf", "mimetype": "application/pdf", "size": 2048},
    )
    assert shared.status_code == 201, shared.text
    own = api.sandbox.post(
        f"/assessments/{task['id']}/documents",
        json={"filename": "notes.docx", "mimetype": "application/msword", "offeringId": other},
    )
    assert own.status_code == 201
    docs = api.get(f"/offerings/{s.offering_id}/assessments").json()[0]["documents"]
    assert [d["filename"] for d in docs] == ["brief.pdf"]
    assert set(docs[0]) == {"id", "filename", "mimetype", "size", "url", "createdAt"}
    assert len(api.get(f"/offerings/{other}/assessments").json()[0]["documents"]) == 2
    base = f"/offerings/{s.offering_id}/assessments/{task['id']}/documents"
    # Another offering's own document, an unknown id, another organisation: 404.
    assert api.delete(f"{base}/{own.json()['id']}").status_code == 404
    assert api.delete(f"{base}/nope").status_code == 404
    assert other_api.delete(f"{base}/{shared.json()['id']}").status_code == 404
    assert api.delete(f"{base}/{shared.json()['id']}").status_code == 204
    assert api.get(f"/offerings/{s.offering_id}/assessments").json()[0]["documents"] == []
    assert api.delete(f"{base}/{shared.json()['id']}").status_code == 404
    assert len(api.get(f"/offerings/{other}/assessments").json()[0]["documents"]) == 2
    other_base = f"/offerings/{other}/assessments/{task['id']}/documents"
    assert api.delete(f"{other_base}/{own.json()['id']}").status_code == 204
    assert [d["filename"] for d in api.get(f"/offerings/{other}/assessments").json()[0]["documents"]] == ["brief.pdf"]


def test_learner_quiz_due_date(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api)
    quiz = add_assessment(
        api, s.course["contentId"], type="quiz", openDate="2030-03-01T00:00:00Z", dueDate="2030-03-11T00:00:00Z"
    )
    task = add_assessment(api, s.course["contentId"])
    learner = s.learners[0]
    path = f"/offerings/{s.offering_id}/assessments/{quiz['id']}"
    response = api.patch(f"{path}/{learner}", json={"dueDate": "2030-03-12T10:00:00Z"})
    assert response.status_code == 204 and response.content == b""
    # The learner's own due date moves them into (or out of) the pending window.
    pending = api.get(f"/offerings/{s.offering_id}/learners/pending-submission", params={"days": "1"}).json()
    assert [u["email"] for u in pending[0]["users"]] == [e for e in s.learners if e != learner]
    pending = api.get(f"/offerings/{s.offering_id}/learners/pending-submission", params={"days": "2"}).json()
    assert learner in [u["email"] for u in pending[0]["users"]]
    assert api.patch(f"{path}/{learner}", json={"dueDate": "2030-03-13T10:00:00Z"}).status_code == 204

    cases = [
        (f"{path}/not-an-email", {"dueDate": "2030-03-12T10:00:00Z"}, 400, "SchemaValidationError"),
        (f"{path}/{learner}", {"dueDate": "soon"}, 400, "SchemaValidationError"),
        (f"{path}/{learner}", {"dueDate": "2030-03-12T10:00:00Z", "x": 1}, 400, "SchemaValidationError"),
        (f"{path}/{learner}", {}, 400, "InvalidParameterError"),
        (f"{path}/{learner}", {"dueDate": "2030-02-01T00:00:00Z"}, 400, "InvalidParameterError"),
        (f"{path}/{s.facilitator}", {"dueDate": "2030-03-12T10:00:00Z"}, 400, "ObjectInvalidPropertyError"),
        (
            f"/offerings/{s.offering_id}/assessments/{task['id']}/{learner}",
            {"dueDate": "2030-03-12T10:00:00Z"},
            400,
            "ObjectInvalidPropertyError",
        ),
        (f"{path}/stranger@example.com", {"dueDate": "2030-03-12T10:00:00Z"}, 404, "ObjectNotFoundError"),
        (
            f"/offerings/{s.offering_id}/assessments/nope/{learner}",
            {"dueDate": "2030-03-12T10:00:00Z"},
            404,
            "ObjectNotFoundError",
        ),
    ]
    for url, body, status, name in cases:
        response = api.patch(url, json=body)
        assert (response.status_code, error_name(response)) == (status, name), (url, body, response.text)
    response = api.patch(
        f"/offerings/{s.offering_id}/assessments/{task['id']}/{learner}", json={"dueDate": "2030-03-12T10:00:00Z"}
    )
    assert response.json()["details"] == "The assessment property type is invalid. Expected value: quiz"
    response = api.patch(f"{path}/{learner}", json={"dueDate": "2030-02-01T00:00:00Z"})
    assert response.json()["details"] == (
        'The specified parameter dueDate has an invalid value "2030-02-01T00:00:00.000Z is before the openDate".'
    )


def test_learner_due_date_on_relative_offering_uses_learner_start(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api, use_relative_dates=True)
    quiz = add_assessment(api, s.course["contentId"], type="quiz", openOffsetDays=2, dueOffsetDays=12)
    learner = s.learners[0]
    with admin_session(sync_engine) as session:
        session.execute(
            update(Membership)
            .where(Membership.offering_id == s.offering_id)
            .values(start_date=NOW - timedelta(days=1))
            .execution_options(synchronize_session=False)
        )
        session.commit()
    # This learner opens on day 2 from their own start (NOW + 1 day): earlier due dates are refused.
    path = f"/offerings/{s.offering_id}/assessments/{quiz['id']}/{learner}"
    assert error_name(api.patch(path, json={"dueDate": iso(NOW)})) == "InvalidParameterError"
    assert api.patch(path, json={"dueDate": iso(NOW + timedelta(days=2))}).status_code == 204
    pending = api.get(f"/offerings/{s.offering_id}/learners/pending-submission", params={"days": "2"}).json()
    assert [u["email"] for u in pending[0]["users"]] == [learner]
    # The others are due on their own day 12 (NOW + 11 days).
    pending = api.get(f"/offerings/{s.offering_id}/learners/pending-submission", params={"days": "11"}).json()
    assert len(pending[0]["users"]) == 3


def test_pending_submission(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api)
    soon = add_assessment(
        api,
        s.course["contentId"],
        title="Due soon",
        openDate="2030-03-01T00:00:00Z",
        dueDate=iso(NOW + timedelta(days=2)),
    )
    add_assessment(api, s.course["contentId"], title="Hidden", hidden=True, dueDate=iso(NOW + timedelta(days=1)))
    add_assessment(api, s.course["contentId"], title="Later", dueDate=iso(NOW + timedelta(days=6)))
    add_assessment(api, s.course["contentId"], title="Past", dueDate=iso(NOW - timedelta(hours=1)))
    quiz = add_assessment(api, s.course["contentId"], type="quiz", title="Quiz", dueDate=iso(NOW + timedelta(days=3)))
    add_submission(api, s.offering_id, soon["id"], s.learners[0])
    add_submission(api, s.offering_id, soon["id"], s.learners[1], status="draft")
    api.sandbox.post(
        f"/offerings/{s.offering_id}/assessments/{quiz['id']}/attempts", json={"email": s.learners[2], "mark": "70"}
    )
    response = api.get(f"/offerings/{s.offering_id}/learners/pending-submission")
    assert response.status_code == 200
    body = response.json()
    assert [a["title"] for a in body] == ["Due soon", "Quiz"]
    first = body[0]
    assert first["offeringId"] == s.offering_id and first["offeringName"] == "Class of 2026"
    assert [u["email"] for u in first["users"]] == [s.learners[1], s.learners[2]]
    assert first["users"][0] == {
        "email": s.learners[1],
        "firstName": "L2",
        "lastName": "Learner",
        "metadata": {"tags": []},
        "profile": {},
    }
    assert [u["email"] for u in body[1]["users"]] == s.learners[:2]
    wider = api.get(f"/offerings/{s.offering_id}/learners/pending-submission", params={"days": "7"}).json()
    assert [a["title"] for a in wider] == ["Due soon", "Later", "Quiz"]
    assert api.get(f"/offerings/{s.offering_id}/learners/pending-submission", params={"days": "0"}).json() == []
    for bad in ("-1", "abc", "1.5"):
        response = api.get(f"/offerings/{s.offering_id}/learners/pending-submission", params={"days": bad})
        assert response.status_code == 400 and error_name(response) == "SchemaValidationError", bad
    # An empty value is no value (issue 18: the community n8n node sends `?days=`): the default, 3 days.
    empty = api.get(f"/offerings/{s.offering_id}/learners/pending-submission", params={"days": ""})
    assert empty.json() == api.get(f"/offerings/{s.offering_id}/learners/pending-submission").json()


def test_reset_to_draft(sync_engine: Engine, api: Api, other_api: Api) -> None:
    s = make_setup(sync_engine, api)
    task = add_assessment(api, s.course["contentId"], type="open-response", title="Reflection")
    quiz = add_assessment(api, s.course["contentId"], type="quiz")
    learner = s.learners[0]
    submission = add_submission(
        api,
        s.offering_id,
        task["id"],
        learner,
        html="<p>Mine</p>",
        files=[{"filename": "a.pdf", "mimetype": "application/pdf", "size": 10}],
    )
    add_mark(api, submission["id"], s.facilitator, "75", feedback="Good")
    path = f"/offerings/{s.offering_id}/users/{learner}/assessments/{task['id']}"
    assert other_api.delete(path).status_code == 404
    assert api.delete(path).status_code == 204
    mine = api.get(f"/offerings/{s.offering_id}/users/{learner}/submissions/open-response").json()
    assert mine[0]["status"] == "draft" and "submittedAt" not in mine[0]
    assert mine[0]["marks"][0]["mark"] == "75"  # marking history stays
    response = api.delete(path)
    assert response.status_code == 400
    assert response.json() == {
        "name": "AssessmentNotSubmittedError",
        "details": f"The user {learner} has not submitted assessment {task['id']}.",
    }
    never = api.delete(f"/offerings/{s.offering_id}/users/{s.learners[1]}/assessments/{task['id']}")
    assert error_name(never) == "AssessmentNotSubmittedError"
    response = api.delete(f"/offerings/{s.offering_id}/users/{learner}/assessments/{quiz['id']}")
    assert error_name(response) == "ObjectInvalidPropertyError"
    assert api.delete(f"/offerings/{s.offering_id}/users/bad-email/assessments/{task['id']}").status_code == 400
    assert (
        api.delete(f"/offerings/{s.offering_id}/users/nobody@example.com/assessments/{task['id']}").status_code == 404
    )
    assert api.delete(f"/offerings/{s.offering_id}/users/{learner}/assessments/nope").status_code == 404


def test_open_response_submissions_of_a_learner(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api)
    first = add_assessment(api, s.course["contentId"], type="open-response", title="One")
    assignment = add_assessment(api, s.course["contentId"], type="assignment", title="Not open response")
    second = add_assessment(api, s.course["contentId"], type="open-response", title="Two")
    learner = s.learners[0]
    add_submission(api, s.offering_id, second["id"], learner, status="draft", html="wip")
    done = add_submission(
        api,
        s.offering_id,
        first["id"],
        learner,
        submittedAt="2030-03-05T09:00:00Z",
        files=[{"filename": "essay.pdf", "mimetype": "application/pdf", "size": 1234}],
    )
    add_submission(api, s.offering_id, assignment["id"], learner)
    mark = add_mark(api, done["id"], s.marker, "B", feedback="Nice", createdAt="2030-03-06T09:00:00Z")
    again = api.sandbox.post(
        f"/marks/{mark['id']}/feedback", json={"feedback": "Even better", "mark": "A", "feedbackBy": s.facilitator}
    )
    assert again.status_code == 201, again.text
    response = api.get(f"/offerings/{s.offering_id}/users/{learner}/submissions/open-response")
    assert response.status_code == 200
    one, two = response.json()
    assert one["status"] == "marked" and one["submittedAt"] == "2030-03-05T09:00:00.000Z"
    assert one["files"][0]["filename"] == "essay.pdf" and one["files"][0]["size"] == 1234
    (got,) = one["marks"]
    assert (got["mark"], got["feedback"], got["markedBy"]) == ("A", "Even better", s.marker)
    assert [(e["mark"], e["feedback"], e["feedbackBy"]) for e in got["markFeedback"]] == [
        ("B", "Nice", s.marker),
        ("A", "Even better", s.facilitator),
    ]
    assert two == {"status": "draft", "updatedAt": two["updatedAt"], "files": [], "marks": []}
    assert api.get(f"/offerings/{s.offering_id}/users/{s.learners[1]}/submissions/open-response").json() == []
    assert api.get(f"/offerings/{s.offering_id}/users/x/submissions/open-response").status_code == 400
    assert api.get(f"/offerings/{s.offering_id}/users/no@example.com/submissions/open-response").status_code == 404


def test_activities(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api)
    a = api.sandbox.post("/activities", json={"offeringId": s.offering_id, "title": "Reflect", "time": 15})
    b = api.sandbox.post("/activities", json={"contentId": s.course["contentId"], "title": "Share"})
    assert a.status_code == 201 and b.status_code == 201
    got = api.get(f"/offerings/{s.offering_id}/activities/openresponse").json()
    assert got == [
        {"activityId": a.json()["activityId"], "title": "Reflect", "time": 15},
        {"activityId": b.json()["activityId"], "title": "Share"},
    ]
