"""Assessments of an offering, learners' submissions, marks, quiz attempts and open-response activities."""

from __future__ import annotations

from datetime import timedelta

import pytest

from openqualify.client import (
    AssessmentNotSubmittedError,
    Client,
    ObjectInvalidPropertyError,
    ObjectNotFoundError,
    OfferingUser,
    SchemaValidationError,
)
from openqualify.client import models as m
from tests.fixtures.client_live import NOW, Sandbox

pytestmark = pytest.mark.e2e
DAY = timedelta(days=1)

ANA = "ana.kingi@example.com"
BEN = "ben.ofa@example.com"
CY = "cy.huang@example.com"
FAC = "mere.facilitator@example.com"
COACH = "tom.coach@example.com"


def iso(days: float) -> str:
    return (NOW + timedelta(days=days)).isoformat().replace("+00:00", "Z")


def test_assessments_submissions_marks_and_activities(client: Client, sandbox: Sandbox) -> None:
    root = sandbox.course("Site Safety Supervisor")["rootContentId"]
    offering = client.offerings.create(
        start=NOW - 14 * DAY, end=NOW + 60 * DAY, root_content_id=root, name="Site Safety — Autumn"
    ).id
    added = client.offerings.add_users(offering, [
        OfferingUser(email=ANA, first_name="Ana", last_name="Kingi", person_id="P-1", send_invite=False),
        OfferingUser(email=BEN, first_name="Ben", last_name="Ofa", person_id="P-2", send_invite=False),
        OfferingUser(email=CY, first_name="Cy", last_name="Huang", person_id="P-3", send_invite=False),
        OfferingUser(email=FAC, first_name="Mere", last_name="Facilitator", is_facilitator=True, send_invite=False),
        OfferingUser(email=COACH, first_name="Tom", last_name="Coach", is_marker=True, send_invite=False),
    ])  # fmt: skip
    assert added.status == 201
    client.offerings.add_marker_learners(offering, COACH, [ANA, BEN])

    quiz = sandbox.assessment(
        offering, "quiz", "Hazard identification quiz", markType="percentage", markNumber="100", durationMinutes=20,
        maxAttempts=3, openDate=iso(-10), dueDate=iso(20), themes=[{"filter": "hazards", "numberOfQuestions": 5}],
        totalQuestions=5,
    )["id"]  # fmt: skip
    essay = sandbox.assessment(
        offering, "assignment", "Site risk report", content="<p>Assess a site you know.</p>", markType="grade",
        markNumber="A", openDate=iso(-7), dueDate=iso(2),
    )["id"]  # fmt: skip
    reflection = sandbox.assessment(
        offering, "open-response", "Reflection", markType="points", markNumber="10", openDate=iso(-7), dueDate=iso(10)
    )["id"]
    brief = sandbox.document(essay, "risk-report-brief.pdf", mimetype="application/pdf", size=20480, createdAt=iso(-9))
    template = sandbox.document(essay, "risk-template.docx", size=1024, createdAt=iso(-8))

    listed = {a.id: a for a in client.assessments.list(offering)}
    assert list(listed) == [quiz, essay, reflection]
    assert all(isinstance(a, m.AssessmentResponse) for a in listed.values())
    assert (listed[quiz].type, listed[quiz].due_date, listed[quiz].max_attempts) == ("quiz", NOW + 20 * DAY, 3)
    assert [(t.filter, t.number_of_questions) for t in listed[quiz].themes or []] == [("hazards", "5")]
    assert listed[essay].content == "<p>Assess a site you know.</p>"
    assert [d.filename for d in listed[essay].documents or []] == ["risk-report-brief.pdf", "risk-template.docx"]
    assert listed[essay].documents[0].size == 20480

    patched = client.assessments.update(
        offering, essay, due_date=NOW + 3 * DAY, mark_type="points", mark_number="20", content="<p>Updated brief</p>"
    )
    assert isinstance(patched, m.AssessmentResponse)
    assert (patched.due_date, patched.mark_type, patched.mark_number, patched.content) == (
        NOW + 3 * DAY, "points", "20", "<p>Updated brief</p>",
    )  # fmt: skip
    assert patched.open_date == NOW - 7 * DAY  # untouched
    assert client.assessments.delete_document(offering, essay, template["id"]) is None
    assert [d.id for d in client.assessments.list(offering)[1].documents or []] == [brief["id"]]
    with pytest.raises(ObjectNotFoundError):
        client.assessments.delete_document(offering, essay, template["id"])
    with pytest.raises(SchemaValidationError):
        client.assessments.update(offering, essay, mark_number="")

    # A learner's own due date: quizzes only.
    assert client.assessments.set_learner_due_date(offering, quiz, CY, NOW + 2 * DAY) is None
    with pytest.raises(ObjectInvalidPropertyError):
        client.assessments.set_learner_due_date(offering, essay, CY, NOW + 2 * DAY)

    # Work handed in: Ana's essay is marked by her coach, then re-marked; Ben's waits; Cy has done nothing.
    ana_essay = sandbox.submission(
        offering,
        essay,
        ANA,
        html="<p>My site…</p>",
        submittedAt=iso(-2),
        files=[{"filename": "report.pdf", "mimetype": "application/pdf", "size": 999}],
    )
    mark = sandbox.mark(ana_essay["id"], "14", COACH, feedback="Good hazard list.", createdAt=iso(-1))
    sandbox.feedback(mark["id"], COACH, mark="16", feedback="Resubmitted controls are better.", createdAt=iso(-0.5))
    ben_essay = sandbox.submission(offering, essay, BEN, html="<p>Draft thoughts</p>", submittedAt=iso(-1))
    for email, score, days in ((ANA, "60", -6), (ANA, "85", -4), (BEN, "90", -3)):
        sandbox.quiz_attempt(offering, quiz, email, score, iso(days))
    ana_reflection = sandbox.submission(offering, reflection, ANA, html="<p>I learned to look up.</p>",
                                        submittedAt=iso(-1))  # fmt: skip
    sandbox.mark(ana_reflection["id"], "8", FAC, feedback="Thoughtful.", createdAt=iso(-0.25))

    pending = {p.id: p for p in client.assessments.pending_submission(offering, days=7)}
    assert set(pending) == {quiz, essay}  # the reflection is due in 10 days
    assert all(isinstance(p, m.AssessmentPendingSubmission) and p.offering_id == offering for p in pending.values())
    assert [u.email for u in pending[essay].users or []] == [CY]
    assert [u.email for u in pending[quiz].users or []] == [CY]  # her own due date is in 2 days
    assert pending[essay].offering_name == "Site Safety — Autumn"
    assert client.assessments.pending_submission(offering, days=1) == []
    assert {p.id for p in client.assessments.pending_submission(offering)} == {quiz, essay}  # default: 3 days

    # Assignments and open responses are both marked work; rows come in course order.
    marked = client.analytics.marks_assignments(offering)
    assert [(r.learner_email, r.assessment_id) for r in marked] == [(ANA, essay), (ANA, reflection)]
    row = marked[0]
    assert isinstance(row, m.AssignmentMarkResponse)
    assert (row.mark, row.mark_feedback, row.marked_by_marker, row.marked_by_facilitator) == (
        "16", "Resubmitted controls are better.", True, False,
    )  # fmt: skip
    assert (row.assessment_item_name, row.course_name, row.learner_person_id) == (
        "Site risk report", "Site Safety Supervisor", "P-1",
    )  # fmt: skip
    assert row.submission_date_time == NOW - 2 * DAY
    assert (marked[1].mark, marked[1].marked_by_facilitator, marked[1].marked_by) == ("8", True, FAC)
    everything = [
        (r.learner_email, r.assessment_id, r.mark) for r in client.analytics.submissions_assignments(offering)
    ]
    assert everything == [(ANA, essay, "16"), (BEN, essay, None), (ANA, reflection, "8")]

    (ana_view,) = client.analytics.learner_submission(offering, ANA, essay)
    assert isinstance(ana_view, m.SubmissionMarkResponse)
    assert (ana_view.status, ana_view.html) == ("marked", "<p>My site…</p>")
    assert [f.filename for f in ana_view.files or []] == ["report.pdf"]
    history = ana_view.marks[0].mark_feedback or []
    assert [(h.mark, h.feedback) for h in history] == [
        ("14", "Good hazard list."), ("16", "Resubmitted controls are better."),
    ]  # fmt: skip
    assert client.analytics.learner_submission(offering, CY, essay) == []

    assert client.assessments.reset_submission(offering, BEN, essay) is None  # back to draft
    assert [(r.learner_email, r.assessment_id) for r in client.analytics.submissions_assignments(offering)] == [
        (ANA, essay), (ANA, reflection),
    ]  # fmt: skip
    with pytest.raises(AssessmentNotSubmittedError) as not_submitted:
        client.assessments.reset_submission(offering, BEN, essay)
    assert not_submitted.value.details == f"The user {BEN} has not submitted assessment {essay}."
    assert ben_essay["status"] == "submitted"

    open_rows = client.analytics.submissions_open_response(offering, reflection)
    assert [(r.learner_email, r.status, r.marks[0].mark) for r in open_rows] == [(ANA, "marked", "8")]
    (ana_open,) = client.assessments.open_response_submissions(offering, ANA)
    assert isinstance(ana_open, m.Assignments)
    assert (ana_open.status, ana_open.submitted_at, ana_open.marks[0].feedback) == (
        "marked", NOW - DAY, "Thoughtful.",
    )  # fmt: skip
    assert client.assessments.open_response_submissions(offering, BEN) == []

    quizzes = {r.learner_email: r for r in client.analytics.marks_quizzes(offering)}
    assert isinstance(quizzes[ANA], m.QuizMarkResponse)
    assert (quizzes[ANA].mark, quizzes[ANA].attempts, quizzes[ANA].last_attempt_at) == ("85", 2, NOW - 4 * DAY)
    assert (quizzes[BEN].mark, quizzes[BEN].attempts) == ("90", 1)
    assert quizzes[ANA].quiz_title == "Hazard identification quiz" and quizzes[ANA].learner_fullname == "Ana Kingi"
    assert CY not in quizzes


def test_open_response_activities(client: Client, sandbox: Sandbox) -> None:
    root = sandbox.course("Reflective Practice")["rootContentId"]
    offering = client.offerings.create(start=NOW - 3 * DAY, root_content_id=root).id
    client.offerings.add_users(offering, [
        OfferingUser(email=ANA, first_name="Ana", last_name="Kingi", send_invite=False),
        OfferingUser(email=FAC, first_name="Mere", last_name="F", is_facilitator=True, send_invite=False),
    ])  # fmt: skip
    look = sandbox.activity(offering, "What hazards do you see?", 5)
    plan = sandbox.activity(offering, "Plan your next inspection", 12.5)

    activities = client.assessments.open_response_activities(offering)
    assert all(isinstance(a, m.OfferingActivitiesResponse) for a in activities)
    assert [(a.activity_id, a.title, a.time) for a in activities] == [
        (look["activityId"], "What hazards do you see?", 5), (plan["activityId"], "Plan your next inspection", 12.5),
    ]  # fmt: skip

    sandbox.activity_attempt(
        offering, look["activityId"], ANA, responseText="A loose cable by the door.",
        uploadedFiles=[{"filename": "cable.jpg", "mimetype": "image/jpeg", "size": 34567}],
        feedback={"facilitatorEmail": FAC, "text": "Well spotted."},
    )  # fmt: skip
    (response,) = client.analytics.activity_responses(offering)
    assert isinstance(response, m.ActivityAttemptOpenResponse)
    assert (response.activity_id, response.learner_email, response.offering_id, response.response_text) == (
        look["activityId"], ANA, offering, "A loose cable by the door.",
    )  # fmt: skip
    files = response.uploaded_files if isinstance(response.uploaded_files, list) else [response.uploaded_files]
    assert [(f.filename, f.size) for f in files if f] == [("cable.jpg", "34567")]
    assert response.feedback is not None
    assert (response.feedback.facilitator_email, response.feedback.text) == (FAC, "Well spotted.")
