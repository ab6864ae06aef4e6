"""Assessment data: marks, submissions, quiz results and activity responses of an offering, as flat rows.

Analytics read everything recorded in the offering, including the work of learners who have since left it.
"""

from __future__ import annotations

from typing import Any

from openqualify.server.assessment_data import repository
from openqualify.server.assessment_data.repository import AssessmentDataRepository
from openqualify.server.assessments import views
from openqualify.server.assessments.lookup import get_assessment
from openqualify.server.assessments.repository import read_assessments
from openqualify.server.db.models import Offering
from openqualify.server.kit.json_rows import present
from openqualify.server.kit.reads import ReadContext
from openqualify.server.offerings.lookup import found_in_offering, get_offering, get_offering_row
from openqualify.server.users.lookup import get_user
from openqualify.server.users.schemas import full_name

ACTIVITY_TYPE = "open-response"
# Lists run to thousands of rows: each row is built as the JSON-ready dict of its schema (`kit.json_rows`), absent
# values left out, and the route sends the list as JSON bytes. Type aliases name the schema each row follows.
AssignmentMarkRow = dict[str, Any]  # schemas.AssignmentMarkOut
SubmissionMarkRow = dict[str, Any]  # schemas.SubmissionMarkOut
QuizMarkRow = dict[str, Any]  # schemas.QuizMarkOut
ActivityAttemptRow = dict[str, Any]  # schemas.ActivityAttemptOut


async def _assessments(ctx: ReadContext, offering_id: str) -> tuple[Any, dict[str, tuple[Any, Any | None]]]:
    """The offering (or 404) and its assessments with its settings of each (rows), by id."""
    view = found_in_offering(await read_assessments(ctx, offering_id), offering_id)
    return view.offering, {a.id: (a, view.settings.get(a.id)) for a in view.assessments}


async def _assignment_rows(ctx: ReadContext, offering_id: str, *, marked_only: bool) -> list[AssignmentMarkRow]:
    offering, known = await _assessments(ctx, offering_id)
    course = await repository.read_course_name(ctx, offering.course_id)
    rows = await repository.read_assignment_rows(ctx, offering, marked_only=marked_only)
    # Per assessment: the fields every row of it shares (absent ones left out).
    shared = {
        assessment_id: present(
            {
                "assessmentId": assessment.id,
                "assessmentItemName": assessment.title,
                "assessmentItemDetails": views.effective_content(assessment, setting),
                "courseName": course,
            }
        )
        for assessment_id, (assessment, setting) in known.items()
    }
    result: list[dict[str, Any]] = []
    count = len(rows)
    for index, row in enumerate(rows):
        # Rows of one submission are consecutive, its marks oldest first: only the last (latest mark) is answered.
        if index + 1 < count and rows[index + 1][0] == row[0]:
            continue
        (_, assessment_id, submitted_at, email, first_name, last_name, person_id, mark, feedback,
         marked_at, by_facilitator, by_marker, by_evaluator, marked_by, _) = row
        item = dict(shared[assessment_id])
        for key, value in (
            ("submissionDateTime", submitted_at),
            ("learnerEmail", email),
            ("learnerFirstName", first_name),
            ("learnerLastName", last_name),
            ("learnerPersonId", person_id),
        ):
            if value is not None:
                item[key] = value
        if marked_at is not None:  # a mark (its updated_at is never null)
            for key, value in (
                ("mark", mark),
                ("markFeedback", feedback),
                ("markedBy", marked_by),
                ("markedDateTime", marked_at),
                ("markedByFacilitator", by_facilitator),
                ("markedByMarker", by_marker),
                ("markedByEvaluator", by_evaluator),
            ):
                if value is not None:
                    item[key] = value
        result.append(item)
    return result


async def assignment_marks(ctx: ReadContext, offering_id: str) -> list[AssignmentMarkRow]:
    """Marked submissions (assignments and open responses), one row each with the latest mark."""
    return await _assignment_rows(ctx, offering_id, marked_only=True)


async def assignment_submissions(ctx: ReadContext, offering_id: str) -> list[AssignmentMarkRow]:
    """Every handed-in submission (drafts are not), with the latest mark's fields when it has one."""
    return await _assignment_rows(ctx, offering_id, marked_only=False)


async def _submissions(
    ctx: ReadContext, offering: Offering, assessment_id: str, user_id: str | None
) -> list[SubmissionMarkRow]:
    session = await ctx.session()
    assessment, setting = await get_assessment(session, offering, assessment_id)
    rows = await repository.read_assessment_submissions(ctx, offering.id, assessment.id, user_id)
    user_ids: set[str] = set()
    for row in rows:
        if row.created_at is not None:
            user_ids |= views.history_user_ids(row.marker_user_id, row.history)
    email_of = (await AssessmentDataRepository(session).user_emails(user_ids)).get
    course = await repository.read_course_name(ctx, offering.course_id)
    shared = present(
        {
            "assessmentId": assessment.id,
            "assessmentItemName": assessment.title,
            "assessmentItemDetails": views.effective_content(assessment, setting),
            "courseName": course,
        }
    )
    result: list[dict[str, Any]] = []
    item: dict[str, Any] = {}
    last_submission: str | None = None
    for (
        submission_id,
        submitted_at,
        status,
        html,
        files,
        email,
        first_name,
        last_name,
        person_id,
        mark_id,
        mark,
        feedback,
        marker_user_id,
        history,
        created_at,
    ) in rows:
        if submission_id != last_submission:  # rows of one submission are consecutive, its marks oldest first
            last_submission = submission_id
            item = dict(shared)
            if submitted_at is not None:
                item["submissionDateTime"] = submitted_at
            item["status"] = status
            if html is not None:
                item["html"] = html
            item["files"] = [views.file_json(f) for f in files] if files else []
            item["marks"] = []
            item["learnerEmail"] = email
            for key, value in (("learnerFirstName", first_name), ("learnerLastName", last_name),
                               ("learnerPersonId", person_id)):
                if value is not None:
                    item[key] = value
            result.append(item)
        if created_at is not None:  # a mark (created_at is never null on one)
            marks = item["marks"]
            marks.append(views.mark_json(mark_id, mark, feedback, marker_user_id, history, created_at, email_of))
    return result


async def open_response_submissions(ctx: ReadContext, offering_id: str, assessment_id: str) -> list[SubmissionMarkRow]:
    """Every learner's work on one assessment (drafts included, with their status), with marks."""
    offering = await get_offering(await ctx.session(), offering_id)
    return await _submissions(ctx, offering, assessment_id, None)


async def learner_submission(
    ctx: ReadContext, offering_id: str, email: str, assessment_id: str
) -> list[SubmissionMarkRow]:
    """One learner's work on one assessment: a list of zero or one."""
    session = await ctx.session()
    offering = await get_offering(session, offering_id)
    user = await get_user(session, email)
    return await _submissions(ctx, offering, assessment_id, user.id)


async def quiz_marks(ctx: ReadContext, offering_id: str) -> list[QuizMarkRow]:
    """One row per learner per quiz: the last attempt's mark, the number of attempts and when the last was."""
    offering = await get_offering_row(ctx, offering_id)
    result: list[dict[str, Any]] = []
    for quiz_id, title, email, first_name, last_name, person_id, mark, attempted_at in (
        await repository.read_quiz_attempts(ctx, offering)
    ):
        last = result[-1] if result else None
        if last is not None and last["quizId"] == quiz_id and last["learnerEmail"] == email:
            last.update(attempts=last["attempts"] + 1, mark=mark, lastAttemptAt=attempted_at)
            continue
        result.append(
            {
                "quizId": quiz_id,
                "quizTitle": title,
                "learnerEmail": email,
                "learnerFullname": full_name(first_name, last_name),
                "learnerPersonId": person_id,
                "mark": mark,
                "attempts": 1,
                "lastAttemptAt": attempted_at,
            }
        )
    return [present(row) for row in result]


async def activity_responses(ctx: ReadContext, offering_id: str) -> list[ActivityAttemptRow]:
    offering = await get_offering_row(ctx, offering_id)
    return [
        present(
            {
                "activityId": activity_id,
                "activityType": ACTIVITY_TYPE,
                "learnerEmail": email,
                "offeringId": offering.id,
                "responseText": response_text,
                "uploadedFiles": [
                    present(
                        {
                            "filename": f.get("filename"),
                            "mimetype": f.get("mimetype"),
                            "size": None if f.get("size") is None else str(f["size"]),
                            "url": f.get("url"),
                        }
                    )
                    for f in uploaded_files or ()
                ],
                "feedback": (
                    present({"facilitatorEmail": facilitator_email, "text": feedback_text})
                    if feedback_text is not None
                    else None
                ),
            }
        )
        for activity_id, email, response_text, uploaded_files, feedback_text, facilitator_email in (
            await repository.read_activity_attempts(ctx, offering)
        )
    ]
