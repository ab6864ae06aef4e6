"""Assessment data: marks, submissions, quiz results and activity responses of an offering, as flat rows.

Analytics read everything recorded in the offering, including the work of learners who have since left it.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.assessment_data import repository, schemas
from openqualify.server.assessments import repository as assessments
from openqualify.server.assessments import views
from openqualify.server.assessments.service import get_user
from openqualify.server.db.models import Assessment, AssessmentSetting, Mark, Offering, Submission, User
from openqualify.server.offerings.lookup import get_offering

SUBMITTED = ("submitted", "marked")
ACTIVITY_TYPE = "open-response"


def _learner(user: User) -> dict[str, str | None]:
    return {
        "learnerEmail": user.email,
        "learnerFirstName": user.first_name,
        "learnerLastName": user.last_name,
        "learnerPersonId": user.person_id,
    }


def _full_name(user: User) -> str | None:
    return " ".join(part for part in (user.first_name, user.last_name) if part) or None


async def _assessments(
    session: AsyncSession, offering: Offering
) -> dict[str, tuple[Assessment, AssessmentSetting | None]]:
    return {a.id: (a, s) for a, s in await assessments.assessments_of(session, offering)}


async def _assignment_rows(
    session: AsyncSession, offering_id: str, *, marked_only: bool
) -> list[schemas.AssignmentMarkOut]:
    offering = await get_offering(session, offering_id)
    known = await _assessments(session, offering)
    course = await repository.course_name(session, offering)
    rows = await repository.offering_submissions(session, offering, statuses=SUBMITTED, exclude_type="quiz")
    if marked_only:
        rows = [row for row in rows if row[2]]
    markers = await assessments.users_by_id(session, (marks[-1].marker_user_id for _, _, marks in rows if marks))
    result: list[schemas.AssignmentMarkOut] = []
    for submission, user, marks in rows:
        assessment, setting = known[submission.assessment_id]
        latest: Mark | None = marks[-1] if marks else None
        marker = markers.get(latest.marker_user_id or "") if latest is not None else None
        result.append(
            schemas.AssignmentMarkOut(
                assessmentId=assessment.id,
                assessmentItemName=assessment.title,
                assessmentItemDetails=views.effective_content(assessment, setting),
                courseName=course,
                submissionDateTime=submission.submitted_at,
                **_learner(user),
                **(
                    {}
                    if latest is None
                    else {
                        "mark": latest.mark,
                        "markFeedback": views.latest_feedback(latest),
                        "markedBy": marker.email if marker is not None else None,
                        "markedDateTime": latest.updated_at,
                        "markedByFacilitator": latest.by_facilitator,
                        "markedByMarker": latest.by_marker,
                        "markedByEvaluator": latest.by_evaluator,
                    }
                ),
            )
        )
    return result


async def assignment_marks(session: AsyncSession, offering_id: str) -> list[schemas.AssignmentMarkOut]:
    """Marked submissions (assignments and open responses), one row each with the latest mark."""
    return await _assignment_rows(session, offering_id, marked_only=True)


async def assignment_submissions(session: AsyncSession, offering_id: str) -> list[schemas.AssignmentMarkOut]:
    """Every handed-in submission (drafts are not), with the latest mark's fields when it has one."""
    return await _assignment_rows(session, offering_id, marked_only=False)


def _submission_out(
    submission: Submission,
    user: User,
    marks: list[Mark],
    assessment: Assessment,
    setting: AssessmentSetting | None,
    course: str | None,
    users: Mapping[str, User],
) -> schemas.SubmissionMarkOut:
    return schemas.SubmissionMarkOut(
        assessmentId=assessment.id,
        assessmentItemName=assessment.title,
        assessmentItemDetails=views.effective_content(assessment, setting),
        courseName=course,
        submissionDateTime=submission.submitted_at,
        status=submission.status,
        html=submission.html,
        files=[views.file_out(f) for f in submission.files or ()],
        marks=[views.mark_out(m, users) for m in marks],
        **_learner(user),
    )


async def _submissions(
    session: AsyncSession, offering: Offering, assessment_id: str, user_id: str | None
) -> list[schemas.SubmissionMarkOut]:
    assessment, setting = await assessments.get_assessment(session, offering, assessment_id)
    rows = await repository.assessment_submissions(session, offering.id, assessment.id, user_id)
    course = await repository.course_name(session, offering)
    users = await assessments.users_by_id(session, views.mark_user_ids(m for _, _, ms in rows for m in ms))
    return [_submission_out(s, u, ms, assessment, setting, course, users) for s, u, ms in rows]


async def open_response_submissions(
    session: AsyncSession, offering_id: str, assessment_id: str
) -> list[schemas.SubmissionMarkOut]:
    """Every learner's work on one assessment (drafts included, with their status), with marks."""
    offering = await get_offering(session, offering_id)
    return await _submissions(session, offering, assessment_id, None)


async def learner_submission(
    session: AsyncSession, offering_id: str, email: str, assessment_id: str
) -> list[schemas.SubmissionMarkOut]:
    """One learner's work on one assessment: a list of zero or one."""
    offering = await get_offering(session, offering_id)
    user = await get_user(session, email)
    return await _submissions(session, offering, assessment_id, user.id)


async def quiz_marks(session: AsyncSession, offering_id: str) -> list[schemas.QuizMarkOut]:
    """One row per learner per quiz: the last attempt's mark, the number of attempts and when the last was."""
    offering = await get_offering(session, offering_id)
    result: list[schemas.QuizMarkOut] = []
    for attempt, quiz, user in await repository.quiz_attempts(session, offering):
        last = result[-1] if result else None
        if last is not None and last.quizId == quiz.id and last.learnerEmail == user.email:
            last.attempts += 1
            last.mark = attempt.mark
            last.lastAttemptAt = attempt.attempted_at
            continue
        result.append(
            schemas.QuizMarkOut(
                quizId=quiz.id,
                quizTitle=quiz.title,
                learnerEmail=user.email,
                learnerFullname=_full_name(user),
                learnerPersonId=user.person_id,
                mark=attempt.mark,
                attempts=1,
                lastAttemptAt=attempt.attempted_at,
            )
        )
    return result


async def activity_responses(session: AsyncSession, offering_id: str) -> list[schemas.ActivityAttemptOut]:
    offering = await get_offering(session, offering_id)
    return [
        schemas.ActivityAttemptOut(
            activityId=attempt.activity_id,
            activityType=ACTIVITY_TYPE,
            learnerEmail=user.email,
            offeringId=attempt.offering_id,
            responseText=attempt.response_text,
            uploadedFiles=[
                schemas.UploadedFileOut(
                    filename=f.get("filename"),
                    mimetype=f.get("mimetype"),
                    size=None if f.get("size") is None else str(f["size"]),
                    url=f.get("url"),
                )
                for f in attempt.uploaded_files or ()
            ],
            feedback=(
                schemas.ActivityFeedbackOut(facilitatorEmail=facilitator_email, text=attempt.feedback_text)
                if attempt.feedback_text is not None
                else None
            ),
        )
        for attempt, user, facilitator_email in await repository.activity_attempts(session, offering)
    ]
