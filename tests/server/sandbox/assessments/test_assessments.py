"""The sandbox's assessment endpoints: what they create, and how they refuse bad references and bodies."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.fixtures.api import Api, error_name
from tests.fixtures.assessments import add_assessment, add_mark, add_submission, make_setup


def test_create_assessment_returns_course_definition(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api)
    created = add_assessment(
        api,
        s.course["contentId"],
        type="quiz",
        title="Q",
        themes=[{"filter": "a", "numberOfQuestions": 4}],
        openOffsetDays=1,
        dueOffsetDays=8,
        maxAttempts=2,
    )
    assert created["contentId"] == s.course["contentId"] and created["position"] == 1
    assert created["themes"] == [{"filter": "a", "numberOfQuestions": "4"}]
    assert (created["openOffsetDays"], created["dueOffsetDays"], created["hidden"]) == (1, 8, False)
    via_offering = api.sandbox.post(
        "/assessments", json={"offeringId": s.offering_id, "type": "assignment", "title": "A"}
    )
    assert via_offering.status_code == 201 and via_offering.json()["position"] == 2
    assert via_offering.json()["contentId"] == s.course["contentId"]


def test_create_assessment_rejects_bad_bodies(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api)
    content = s.course["contentId"]
    bad = [
        {"type": "quiz", "title": "no place"},
        {"contentId": content, "offeringId": s.offering_id, "type": "quiz", "title": "both"},
        {"contentId": content, "type": "exam", "title": "x"},
        {"contentId": content, "type": "quiz", "title": ""},
        {"contentId": content, "type": "quiz", "title": "x", "markType": "stars"},
        {"contentId": content, "type": "quiz", "title": "x", "maxAttempts": "3"},
        {"contentId": content, "type": "quiz", "title": "x", "dueDate": "tomorrow"},
        {"contentId": content, "type": "quiz", "title": "x", "extra": 1},
    ]
    for body in bad:
        response = api.sandbox.post("/assessments", json=body)
        assert response.status_code == 400 and error_name(response) == "SchemaValidationError", body
    response = api.sandbox.post(
        "/assessments",
        json={
            "contentId": content,
            "type": "quiz",
            "title": "x",
            "openDate": "2030-03-02T00:00:00Z",
            "dueDate": "2030-03-01T00:00:00Z",
        },
    )
    assert error_name(response) == "ValidationError"
    for body in (
        {"contentId": "nope", "type": "quiz", "title": "x"},
        {"offeringId": "nope", "type": "quiz", "title": "x"},
    ):
        response = api.sandbox.post("/assessments", json=body)
        assert response.status_code == 404 and error_name(response) == "ObjectNotFoundError"
    assert api.get(f"/offerings/{s.offering_id}/assessments").json() == []


def test_submission_mark_and_attempt_references(sync_engine: Engine, api: Api, other_api: Api) -> None:
    s = make_setup(sync_engine, api)
    task = add_assessment(api, s.course["contentId"])
    quiz = add_assessment(api, s.course["contentId"], type="quiz")
    base = f"/offerings/{s.offering_id}/assessments"
    cases = [
        (f"{base}/{task['id']}/submissions", {"email": "nobody@example.com"}, 404, "ObjectNotFoundError"),
        (f"{base}/nope/submissions", {"email": s.learners[0]}, 404, "ObjectNotFoundError"),
        (f"/offerings/nope/assessments/{task['id']}/submissions", {"email": s.learners[0]}, 404, "ObjectNotFoundError"),
        (f"{base}/{task['id']}/submissions", {"email": s.facilitator}, 400, "UserNotInOfferingError"),
        (f"{base}/{quiz['id']}/submissions", {"email": s.learners[0]}, 400, "ObjectInvalidPropertyError"),
        (f"{base}/{task['id']}/submissions", {"email": s.learners[0], "status": "lost"}, 400, "SchemaValidationError"),
        (f"{base}/{task['id']}/attempts", {"email": s.learners[0], "mark": "50"}, 400, "ObjectInvalidPropertyError"),
        (f"{base}/{quiz['id']}/attempts", {"email": s.learners[0], "mark": 50}, 400, "SchemaValidationError"),
        (f"{base}/{quiz['id']}/attempts", {"email": "nobody@example.com", "mark": "50"}, 404, "ObjectNotFoundError"),
    ]
    for url, body, status, name in cases:
        response = api.sandbox.post(url, json=body)
        assert (response.status_code, error_name(response)) == (status, name), (url, body, response.text)
    created = add_submission(api, s.offering_id, task["id"], s.learners[0])
    again = api.sandbox.post(f"{base}/{task['id']}/submissions", json={"email": s.learners[0]})
    assert error_name(again) == "ObjectExistsError"
    assert (
        other_api.sandbox.post(
            f"/submissions/{created['id']}/marks", json={"mark": "1", "markedBy": s.facilitator}
        ).status_code
        == 404
    )
    assert (
        api.sandbox.post(
            f"/submissions/{created['id']}/marks", json={"mark": "1", "markedBy": "nobody@example.com"}
        ).status_code
        == 404
    )
    draft = add_submission(api, s.offering_id, task["id"], s.learners[1], status="draft")
    response = api.sandbox.post(f"/submissions/{draft['id']}/marks", json={"mark": "1", "markedBy": s.facilitator})
    assert error_name(response) == "AssessmentNotSubmittedError"
    mark = add_mark(api, created["id"], s.facilitator, "7", feedback="ok")
    assert mark["markedBy"] == s.facilitator and len(mark["markFeedback"]) == 1
    assert api.sandbox.post(f"/marks/{mark['id']}/feedback", json={"feedbackBy": s.facilitator}).status_code == 400
    assert (
        api.sandbox.post("/marks/nope/feedback", json={"feedbackBy": s.facilitator, "feedback": "x"}).status_code == 404
    )
    evaluator = add_mark(api, created["id"], s.learners[2], "6", role="evaluator")
    row = api.get(f"/offerings/{s.offering_id}/analytics/marks/assignments").json()[0]
    assert row["markedByEvaluator"] is True and row["mark"] == "6" and evaluator["markedBy"] == s.learners[2]


def test_activity_references(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api)
    other = make_setup(sync_engine, api)  # another course: its activities are not this offering's
    activity = api.sandbox.post("/activities", json={"contentId": other.course["contentId"], "title": "A"}).json()
    response = api.sandbox.post(
        f"/offerings/{s.offering_id}/activities/{activity['activityId']}/attempts", json={"email": s.learners[0]}
    )
    assert response.status_code == 404
    response = api.sandbox.post(
        f"/offerings/{other.offering_id}/activities/{activity['activityId']}/attempts",
        json={"email": other.learners[0], "feedback": {"facilitatorEmail": "nobody@example.com", "text": "x"}},
    )
    assert response.status_code == 404
    assert api.sandbox.post("/activities", json={"contentId": "nope", "title": "A"}).status_code == 404
    assert api.sandbox.post("/activities", json={"title": "A"}).status_code == 400
