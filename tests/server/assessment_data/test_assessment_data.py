"""Assessment data (analytics): assignment marks and submissions, quiz marks, open-response submissions, a learner's
submission, activity responses."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from tests.fixtures.api import Api, error_name
from tests.fixtures.assessments import (
    NOW,
    Setup,
    add_assessment,
    add_attempt,
    add_mark,
    add_submission,
    iso,
    make_setup,
)


def _marked_setup(engine: Engine, api: Api) -> tuple[Setup, dict, dict, dict]:
    s = make_setup(engine, api)
    report = add_assessment(api, s.course["contentId"], title="Report", content="Write it", markType="grade")
    reflection = add_assessment(api, s.course["contentId"], type="open-response", title="Reflection")
    quiz = add_assessment(api, s.course["contentId"], type="quiz", title="Quiz")
    one = add_submission(
        api, s.offering_id, report["id"], s.learners[0], submittedAt="2030-03-02T10:00:00Z", html="<p>Report</p>"
    )
    add_submission(api, s.offering_id, report["id"], s.learners[1], submittedAt="2030-03-03T10:00:00Z")
    add_submission(api, s.offering_id, report["id"], s.learners[2], status="draft")
    add_mark(api, one["id"], s.marker, "B", feedback="Good", createdAt="2030-03-04T10:00:00Z")
    return s, report, reflection, quiz


def test_assignment_marks_and_submissions(sync_engine: Engine, api: Api) -> None:
    s, report, _, _ = _marked_setup(sync_engine, api)
    marks = api.get(f"/offerings/{s.offering_id}/analytics/marks/assignments")
    assert marks.status_code == 200
    (row,) = marks.json()
    assert row == {
        "assessmentId": report["id"],
        "assessmentItemName": "Report",
        "assessmentItemDetails": "Write it",
        "courseName": "Workplace Safety",
        "learnerEmail": s.learners[0],
        "learnerFirstName": "L1",
        "learnerLastName": "Learner",
        "submissionDateTime": "2030-03-02T10:00:00.000Z",
        "mark": "B",
        "markFeedback": "Good",
        "markedBy": s.marker,
        "markedDateTime": "2030-03-04T10:00:00.000Z",
        "markedByFacilitator": False,
        "markedByMarker": True,
        "markedByEvaluator": False,
    }
    submissions = api.get(f"/offerings/{s.offering_id}/analytics/submissions/assignments").json()
    assert [r["learnerEmail"] for r in submissions] == s.learners[:2]  # the draft is not handed in
    assert "mark" not in submissions[1] and "markedByMarker" not in submissions[1]
    # A re-mark shows in the flat row; the offering's own content shows as the item details.
    mark_id = api.get(
        f"/offerings/{s.offering_id}/analytics/submissions/{s.learners[0]}/assignments/{report['id']}"
    ).json()[0]["marks"][0]["id"]
    api.sandbox.post(
        f"/marks/{mark_id}/feedback",
        json={"mark": "A", "feedback": "Better", "feedbackBy": s.facilitator, "createdAt": "2030-03-05T10:00:00Z"},
    )
    api.patch(f"/offerings/{s.offering_id}/assessments/{report['id']}", json={"content": "Class brief"})
    (row,) = api.get(f"/offerings/{s.offering_id}/analytics/marks/assignments").json()
    assert (row["mark"], row["markFeedback"], row["markedDateTime"], row["assessmentItemDetails"]) == (
        "A",
        "Better",
        "2030-03-05T10:00:00.000Z",
        "Class brief",
    )
    # A later re-mark without feedback text keeps the latest text as the row's feedback.
    api.sandbox.post(
        f"/marks/{mark_id}/feedback",
        json={"mark": "A+", "feedback": "", "feedbackBy": s.facilitator, "createdAt": "2030-03-06T10:00:00Z"},
    )
    (row,) = api.get(f"/offerings/{s.offering_id}/analytics/marks/assignments").json()
    assert (row["mark"], row["markFeedback"]) == ("A+", "Better")


def test_quiz_marks_are_last_attempt_per_learner(sync_engine: Engine, api: Api) -> None:
    s, _, _, quiz = _marked_setup(sync_engine, api)
    add_attempt(api, s.offering_id, quiz["id"], s.learners[1], "60", NOW - timedelta(days=3))
    add_attempt(api, s.offering_id, quiz["id"], s.learners[1], "90", NOW - timedelta(days=1))
    add_attempt(api, s.offering_id, quiz["id"], s.learners[0], "75", NOW - timedelta(days=2))
    response = api.get(f"/offerings/{s.offering_id}/analytics/marks/quizzes")
    assert response.status_code == 200
    assert response.json() == [
        {
            "quizId": quiz["id"],
            "quizTitle": "Quiz",
            "learnerEmail": s.learners[0],
            "learnerFullname": "L1 Learner",
            "mark": "75",
            "attempts": 1,
            "lastAttemptAt": iso(NOW - timedelta(days=2)),
        },
        {
            "quizId": quiz["id"],
            "quizTitle": "Quiz",
            "learnerEmail": s.learners[1],
            "learnerFullname": "L2 Learner",
            "mark": "90",
            "attempts": 2,
            "lastAttemptAt": iso(NOW - timedelta(days=1)),
        },
    ]


def test_open_response_and_learner_submission(sync_engine: Engine, api: Api, other_api: Api) -> None:
    s, report, reflection, _ = _marked_setup(sync_engine, api)
    add_submission(
        api,
        s.offering_id,
        reflection["id"],
        s.learners[1],
        html="<p>I learned</p>",
        submittedAt="2030-03-06T10:00:00Z",
        files=[{"filename": "a.png", "mimetype": "image/png", "size": 5}],
    )
    add_submission(api, s.offering_id, reflection["id"], s.learners[0], status="draft", html="<p>wip</p>")
    rows = api.get(f"/offerings/{s.offering_id}/analytics/submissions/open-response/{reflection['id']}").json()
    assert [(r["learnerEmail"], r["status"]) for r in rows] == [(s.learners[0], "draft"), (s.learners[1], "submitted")]
    assert rows[1]["html"] == "<p>I learned</p>" and rows[1]["files"][0]["filename"] == "a.png"
    assert rows[1]["marks"] == [] and rows[1]["courseName"] == "Workplace Safety"
    base = f"/offerings/{s.offering_id}/analytics/submissions"
    (mine,) = api.get(f"{base}/{s.learners[0]}/assignments/{report['id']}").json()
    assert mine["status"] == "marked" and mine["marks"][0]["markedBy"] == s.marker
    assert mine["marks"][0]["markFeedback"][0]["feedbackBy"] == s.marker
    assert api.get(f"{base}/{s.facilitator}/assignments/{report['id']}").json() == []
    assert error_name(api.get(f"{base}/bad/assignments/{report['id']}")) == "SchemaValidationError"
    assert api.get(f"{base}/nobody@example.com/assignments/{report['id']}").status_code == 404
    assert api.get(f"{base}/{s.learners[0]}/assignments/nope").status_code == 404
    assert api.get(f"{base}/open-response/nope").status_code == 404
    assert other_api.get(f"{base}/open-response/{reflection['id']}").status_code == 404
    assert other_api.get(f"/offerings/{s.offering_id}/analytics/marks/assignments").status_code == 404


def test_activity_responses(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api)
    activity = api.sandbox.post("/activities", json={"contentId": s.course["contentId"], "title": "Share"}).json()
    first = api.sandbox.post(
        f"/offerings/{s.offering_id}/activities/{activity['activityId']}/attempts",
        json={
            "email": s.learners[0],
            "responseText": "Mine",
            "feedback": {"facilitatorEmail": s.facilitator, "text": "Thanks"},
            "uploadedFiles": [{"filename": "p.jpg", "mimetype": "image/jpeg", "size": 99}],
        },
    )
    assert first.status_code == 201, first.text
    api.sandbox.post(
        f"/offerings/{s.offering_id}/activities/{activity['activityId']}/attempts",
        json={"email": s.learners[1], "responseText": "Other"},
    )
    rows = api.get(f"/offerings/{s.offering_id}/analytics/activities/responses").json()
    assert rows[0] == {
        "activityId": activity["activityId"],
        "activityType": "open-response",
        "learnerEmail": s.learners[0],
        "offeringId": s.offering_id,
        "responseText": "Mine",
        "uploadedFiles": [
            {"filename": "p.jpg", "mimetype": "image/jpeg", "size": "99", "url": rows[0]["uploadedFiles"][0]["url"]}
        ],
        "feedback": {"facilitatorEmail": s.facilitator, "text": "Thanks"},
    }
    assert rows[1]["uploadedFiles"] == [] and "feedback" not in rows[1]


def test_empty_offering_answers_empty_lists(sync_engine: Engine, api: Api) -> None:
    s = make_setup(sync_engine, api)
    for op in ("marks/assignments", "marks/quizzes", "submissions/assignments", "activities/responses"):
        response = api.get(f"/offerings/{s.offering_id}/analytics/{op}")
        assert response.status_code == 200 and response.json() == [], op
        assert api.get(f"/offerings/nope/analytics/{op}").status_code == 404


def test_several_marks_show_the_latest_once(sync_engine: Engine, api: Api) -> None:
    """A submission marked several times is one flat row with its latest mark (by creation time, not insertion
    order) and latest non-empty feedback; the detailed views list every mark oldest first."""
    s = make_setup(sync_engine, api)
    report = add_assessment(api, s.course["contentId"], title="Report")
    one = add_submission(api, s.offering_id, report["id"], s.learners[0], submittedAt="2030-03-02T10:00:00Z")
    add_submission(api, s.offering_id, report["id"], s.learners[1], submittedAt="2030-03-03T10:00:00Z")
    add_mark(api, one["id"], s.marker, "B", feedback="Good", createdAt="2030-03-04T10:00:00Z")
    latest = add_mark(api, one["id"], s.facilitator, "A", feedback="Redone", createdAt="2030-03-06T10:00:00Z")
    add_mark(api, one["id"], s.marker, "C", feedback="Old", createdAt="2030-03-01T10:00:00Z")
    feedback = api.sandbox.post(
        f"/marks/{latest['id']}/feedback",
        json={"feedback": "", "feedbackBy": s.marker, "createdAt": "2030-03-07T10:00:00Z"},
    )
    assert feedback.status_code == 201, feedback.text
    rows = api.get(f"/offerings/{s.offering_id}/analytics/marks/assignments").json()
    assert [(r["learnerEmail"], r["mark"], r["markFeedback"], r["markedBy"], r["markedDateTime"]) for r in rows] == [
        (s.learners[0], "A", "Redone", s.facilitator, "2030-03-07T10:00:00.000Z")
    ]
    submissions = api.get(f"/offerings/{s.offering_id}/analytics/submissions/assignments").json()
    assert [(r["learnerEmail"], r.get("mark")) for r in submissions] == [(s.learners[0], "A"), (s.learners[1], None)]
    (detail,) = api.get(
        f"/offerings/{s.offering_id}/analytics/submissions/{s.learners[0]}/assignments/{report['id']}"
    ).json()
    assert [m["mark"] for m in detail["marks"]] == ["C", "B", "A"]
    assert [e["feedbackBy"] for e in detail["marks"][2]["markFeedback"]] == [s.facilitator, s.marker]
    everyone = api.get(f"/offerings/{s.offering_id}/analytics/submissions/open-response/{report['id']}").json()
    assert [(r["learnerEmail"], len(r["marks"])) for r in everyone] == [(s.learners[0], 3), (s.learners[1], 0)]
