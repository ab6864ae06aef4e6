"""Sandbox control plane, assessments: tasks of a course version, their documents, learners' submissions, marks and
feedback, quiz attempts, open-response activities and their attempts.

The contract only reads (and slightly edits) these; integrators need to write them to build realistic scenarios.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.assessment_data.schemas import ActivityFeedbackOut, UploadedFileOut
from openqualify.server.assessment_data.service import ACTIVITY_TYPE
from openqualify.server.assessments import schemas as out
from openqualify.server.assessments import views
from openqualify.server.assessments.repository import AssessmentRepository
from openqualify.server.assessments.sandbox_schemas import (
    ActivityAttemptCreate,
    ActivityCreate,
    AssessmentCreate,
    AttemptCreate,
    DocumentCreate,
    FeedbackCreate,
    FileIn,
    MarkCreate,
    Placed,
    SandboxActivityAttemptOut,
    SandboxActivityOut,
    SandboxAssessmentOut,
    SandboxAttemptOut,
    SandboxDocumentOut,
    SandboxMarkOut,
    SandboxSubmissionOut,
    SubmissionCreate,
)
from openqualify.server.assessments.service import get_assessment, invalid_property
from openqualify.server.db.models import (
    Activity,
    ActivityAttempt,
    Assessment,
    AssessmentDocument,
    CourseVersion,
    Mark,
    Membership,
    Offering,
    QuizAttempt,
    Submission,
    User,
)
from openqualify.server.kit.deps import PrincipalDep, SessionDep
from openqualify.server.kit.errors import (
    AssessmentNotSubmittedError,
    ObjectExistsError,
    ObjectNotFoundError,
    ValidationError,
)
from openqualify.server.kit.ids import object_id, push_id
from openqualify.server.kit.routing import api_router
from openqualify.server.kit.timefmt import format_datetime
from openqualify.server.memberships.lookup import get_member
from openqualify.server.offerings.lookup import get_offering
from openqualify.server.users.repository import UserRepository

router = api_router(tags=["Sandbox"], prefix="/_sandbox")


async def _content_id(session: AsyncSession, body: Placed) -> str:
    if body.offeringId is not None:
        return (await get_offering(session, body.offeringId)).content_id
    assert body.contentId is not None
    found = (
        await session.execute(select(CourseVersion.id).where(CourseVersion.id == body.contentId))
    ).scalar_one_or_none()
    if found is None:
        raise ObjectNotFoundError.of("content", body.contentId)
    return found


async def _next_position(session: AsyncSession, model: type[Assessment] | type[Activity], content_id: str) -> int:
    highest = (
        await session.execute(select(func.max(model.position)).where(model.content_id == content_id))
    ).scalar_one_or_none()
    return (highest or 0) + 1


async def _user(session: AsyncSession, email: str) -> User:
    user = await UserRepository(session).by_email(email)
    if user is None:
        raise ObjectNotFoundError.of("user", email)
    return user


async def _learner(session: AsyncSession, offering: Offering, email: str) -> User:
    user, membership = await get_member(session, offering, email)
    if not membership.is_learner:
        raise invalid_property("user", "role", "learner")
    return user


def _sandbox_assessment_out(a: Assessment) -> SandboxAssessmentOut:
    return SandboxAssessmentOut(
        id=a.id,
        contentId=a.content_id,
        position=a.position,
        type=a.type,
        title=a.title,
        content=a.content,
        markType=a.mark_type,
        markNumber=a.mark_number,
        points=a.points,
        durationMinutes=a.duration_minutes,
        maxAttempts=a.max_attempts,
        hidden=a.hidden,
        pid=a.pid,
        filename=a.filename,
        themes=[out.ThemeOut(filter=t["filter"], numberOfQuestions=str(t["numberOfQuestions"])) for t in a.themes],
        totalQuestions=a.total_questions,
        openDate=a.open_date,
        dueDate=a.due_date,
        openOffsetDays=a.open_offset_days,
        dueOffsetDays=a.due_offset_days,
    )


def _check_order(opens: Any, due: Any, what: str) -> None:
    if opens is not None and due is not None and due < opens:
        shown = format_datetime(due) if isinstance(due, datetime) else str(due)
        raise ValidationError(f'The specified parameter {what} has an invalid value "{shown} is before the opening".')


@router.post("/assessments", status_code=201, response_model=SandboxAssessmentOut)
async def create_assessment(
    principal: PrincipalDep, session: SessionDep, body: AssessmentCreate
) -> SandboxAssessmentOut:
    """Create an assessment on a course version (`contentId`), or on the content of an offering (`offeringId`):
    every offering of that content has it. Dates are absolute (`openDate`/`dueDate`) or day offsets from the
    offering's (or, with relative dates, the learner's) start (`openOffsetDays`/`dueOffsetDays`)."""
    content_id = await _content_id(session, body)
    _check_order(body.openDate, body.dueDate, "dueDate")
    _check_order(body.openOffsetDays, body.dueOffsetDays, "dueOffsetDays")
    assessment = Assessment(
        id=push_id(),
        content_id=content_id,
        position=body.position if body.position is not None else await _next_position(session, Assessment, content_id),
        type=body.type,
        title=body.title,
        content=body.content,
        mark_type=body.markType,
        mark_number=body.markNumber,
        points=body.points,
        duration_minutes=body.durationMinutes,
        max_attempts=body.maxAttempts,
        hidden=body.hidden,
        pid=body.pid,
        filename=body.filename,
        themes=[t.model_dump() for t in body.themes],
        total_questions=body.totalQuestions,
        open_date=body.openDate,
        due_date=body.dueDate,
        open_offset_days=body.openOffsetDays,
        due_offset_days=body.dueOffsetDays,
        created_at=principal.now(),
    )
    session.add(assessment)
    await session.flush()
    return _sandbox_assessment_out(assessment)


@router.post("/assessments/{assessmentId}/documents", status_code=201, response_model=SandboxDocumentOut)
async def add_document(
    principal: PrincipalDep, session: SessionDep, assessmentId: str, body: DocumentCreate
) -> SandboxDocumentOut:
    """Attach a document (brief, template) to an assessment: for every offering of its content, or, with
    `offeringId`, for that offering only."""
    assessment = await session.get(Assessment, assessmentId)
    if assessment is None:
        raise ObjectNotFoundError.of("assessment", assessmentId)
    if body.offeringId is not None:
        offering = await get_offering(session, body.offeringId)
        if offering.content_id != assessment.content_id:
            raise ObjectNotFoundError.of("assessment", assessmentId)
    document_id = object_id()
    document = AssessmentDocument(
        id=document_id,
        assessment_id=assessment.id,
        offering_id=body.offeringId,
        filename=body.filename,
        mimetype=body.mimetype,
        size=body.size,
        url=body.url or f"https://files.iqualify.com/documents/{document_id}",
        created_at=body.createdAt or principal.now(),
    )
    session.add(document)
    await session.flush()
    return SandboxDocumentOut(
        **views.document_out(document).model_dump(), assessmentId=assessment.id, offeringId=document.offering_id
    )


def _file(data: FileIn, now: datetime) -> dict[str, Any]:
    file_id = data.id or object_id()
    return {
        "id": file_id,
        "filename": data.filename,
        "mimetype": data.mimetype,
        "size": data.size,
        "url": data.url or f"https://files.iqualify.com/submissions/{file_id}",
        "createdAt": format_datetime(data.createdAt or now),
    }


@router.post(
    "/offerings/{offeringId}/assessments/{assessmentId}/submissions",
    status_code=201,
    response_model=SandboxSubmissionOut,
)
async def create_submission(
    principal: PrincipalDep, session: SessionDep, offeringId: str, assessmentId: str, body: SubmissionCreate
) -> SandboxSubmissionOut:
    """A learner's work on an assignment or open-response assessment (`draft`, `submitted` or `marked`); one per
    learner and assessment (ObjectExistsError for a second). Marks are added with `POST /submissions/{id}/marks`."""
    offering = await get_offering(session, offeringId)
    assessment, _ = await get_assessment(session, offering, assessmentId)
    user = await _learner(session, offering, body.email)
    if assessment.type == "quiz":
        raise invalid_property("assessment", "type", "assignment or open-response")
    if await AssessmentRepository(session).find_submission(offering.id, assessment.id, user.id) is not None:
        raise ObjectExistsError(f"The user {user.email} already has a submission for assessment {assessment.id}.")
    now = principal.now()
    submitted_at = None if body.status == "draft" else (body.submittedAt or now)
    submission = Submission(
        id=push_id(),
        offering_id=offering.id,
        assessment_id=assessment.id,
        user_id=user.id,
        status=body.status,
        html=body.html,
        files=[_file(f, now) for f in body.files],
        submitted_at=submitted_at,
        updated_at=body.updatedAt or submitted_at or now,
        created_at=now,
    )
    session.add(submission)
    await session.flush()
    return SandboxSubmissionOut(
        id=submission.id,
        offeringId=offering.id,
        assessmentId=assessment.id,
        email=user.email,
        status=submission.status,
        html=submission.html,
        files=[views.file_out(f) for f in submission.files],
        submittedAt=submission.submitted_at,
        updatedAt=submission.updated_at,
    )


async def _mark_out(session: AsyncSession, mark: Mark) -> SandboxMarkOut:
    users = await AssessmentRepository(session).users_by_id(views.mark_user_ids([mark]))
    return SandboxMarkOut(**views.mark_out(mark, users).model_dump(), submissionId=mark.submission_id)


def _entry(mark: str | None, feedback: str | None, marker: User, at: datetime) -> dict[str, Any]:
    return {
        "id": push_id(),
        "mark": mark,
        "feedback": feedback,
        "markerId": marker.id,
        "createdAt": format_datetime(at),
    }


@router.post("/submissions/{submissionId}/marks", status_code=201, response_model=SandboxMarkOut)
async def add_mark(principal: PrincipalDep, session: SessionDep, submissionId: str, body: MarkCreate) -> SandboxMarkOut:
    """Mark a submitted submission (it becomes `marked`). `role` says who marked it; absent, it follows the
    marker's membership of the offering (facilitator, else marker)."""
    submission = await session.get(Submission, submissionId)
    if submission is None:
        raise ObjectNotFoundError.of("submission", submissionId)
    marker = await _user(session, body.markedBy)
    if submission.status == "draft":
        learner = await session.get(User, submission.user_id)
        email = learner.email if learner is not None else submission.user_id
        raise AssessmentNotSubmittedError(f"The user {email} has not submitted assessment {submission.assessment_id}.")
    role = body.role
    if role is None:
        membership = (
            await session.execute(
                select(Membership).where(
                    Membership.offering_id == submission.offering_id, Membership.user_id == marker.id
                )
            )
        ).scalar_one_or_none()
        role = (
            "marker"
            if membership is not None and membership.is_marker and not membership.is_facilitator
            else ("facilitator")
        )
    at = body.createdAt or principal.now()
    mark = Mark(
        id=push_id(),
        submission_id=submission.id,
        mark=body.mark,
        feedback=body.feedback,
        marker_user_id=marker.id,
        by_facilitator=role == "facilitator",
        by_marker=role == "marker",
        by_evaluator=role == "evaluator",
        history=[_entry(body.mark, body.feedback, marker, at)],
        created_at=at,
        updated_at=at,
    )
    session.add(mark)
    submission.status = "marked"
    await session.flush()
    return await _mark_out(session, mark)


@router.post("/marks/{markId}/feedback", status_code=201, response_model=SandboxMarkOut)
async def add_feedback(
    principal: PrincipalDep, session: SessionDep, markId: str, body: FeedbackCreate
) -> SandboxMarkOut:
    """A further feedback entry on a mark (a re-mark when `mark` is given): appended to its `markFeedback`."""
    mark = await session.get(Mark, markId)
    if mark is None:
        raise ObjectNotFoundError.of("mark", markId)
    author = await _user(session, body.feedbackBy)
    at = body.createdAt or principal.now()
    mark.history = [*(mark.history or ()), _entry(body.mark, body.feedback, author, at)]
    if body.mark is not None:
        mark.mark = body.mark
    if body.feedback:  # the mark's feedback is its latest text (lists read it without the history)
        mark.feedback = body.feedback
    mark.updated_at = max(mark.updated_at, at)
    await session.flush()
    return await _mark_out(session, mark)


@router.post(
    "/offerings/{offeringId}/assessments/{assessmentId}/attempts", status_code=201, response_model=SandboxAttemptOut
)
async def add_quiz_attempt(
    principal: PrincipalDep, session: SessionDep, offeringId: str, assessmentId: str, body: AttemptCreate
) -> SandboxAttemptOut:
    """Record a learner's attempt at a quiz, with its mark (a percentage, as a string)."""
    offering = await get_offering(session, offeringId)
    assessment, _ = await get_assessment(session, offering, assessmentId)
    user = await _learner(session, offering, body.email)
    if assessment.type != "quiz":
        raise invalid_property("assessment", "type", "quiz")
    attempt = QuizAttempt(
        id=push_id(),
        offering_id=offering.id,
        assessment_id=assessment.id,
        user_id=user.id,
        mark=body.mark,
        attempted_at=body.attemptedAt or principal.now(),
    )
    session.add(attempt)
    await session.flush()
    return SandboxAttemptOut(
        id=attempt.id,
        offeringId=offering.id,
        assessmentId=assessment.id,
        email=user.email,
        mark=attempt.mark,
        attemptedAt=attempt.attempted_at,
    )


@router.post("/activities", status_code=201, response_model=SandboxActivityOut)
async def create_activity(principal: PrincipalDep, session: SessionDep, body: ActivityCreate) -> SandboxActivityOut:
    """Create an open-response (non-assessed) activity on a course version (`contentId`) or on the content of
    an offering (`offeringId`); `time` is the expected minutes."""
    content_id = await _content_id(session, body)
    activity = Activity(
        id=push_id(),
        content_id=content_id,
        position=body.position if body.position is not None else await _next_position(session, Activity, content_id),
        title=body.title,
        time_minutes=body.time,
        created_at=principal.now(),
    )
    session.add(activity)
    await session.flush()
    return SandboxActivityOut(
        activityId=activity.id,
        contentId=content_id,
        position=activity.position,
        title=activity.title,
        time=activity.time_minutes,
    )


@router.post(
    "/offerings/{offeringId}/activities/{activityId}/attempts",
    status_code=201,
    response_model=SandboxActivityAttemptOut,
)
async def add_activity_attempt(
    principal: PrincipalDep, session: SessionDep, offeringId: str, activityId: str, body: ActivityAttemptCreate
) -> SandboxActivityAttemptOut:
    """A learner's response to an open-response activity (text and uploaded files), optionally with a
    facilitator's feedback."""
    offering = await get_offering(session, offeringId)
    activity = await session.get(Activity, activityId)
    if activity is None or activity.content_id != offering.content_id:
        raise ObjectNotFoundError.of("activity", activityId)
    user = await _learner(session, offering, body.email)
    facilitator = await _user(session, body.feedback.facilitatorEmail) if body.feedback is not None else None
    files = [f.model_dump() for f in body.uploadedFiles]
    for f in files:
        f["url"] = f["url"] or f"https://files.iqualify.com/activities/{object_id()}"
    attempt = ActivityAttempt(
        id=push_id(),
        offering_id=offering.id,
        activity_id=activity.id,
        user_id=user.id,
        response_text=body.responseText,
        uploaded_files=files,
        feedback_text=body.feedback.text if body.feedback is not None else None,
        feedback_user_id=facilitator.id if facilitator is not None else None,
        created_at=body.createdAt or principal.now(),
    )
    session.add(attempt)
    await session.flush()
    return SandboxActivityAttemptOut(
        id=attempt.id,
        createdAt=attempt.created_at,
        activityId=activity.id,
        activityType=ACTIVITY_TYPE,
        learnerEmail=user.email,
        offeringId=offering.id,
        responseText=attempt.response_text,
        uploadedFiles=[
            UploadedFileOut(filename=f["filename"], mimetype=f["mimetype"], size=str(f["size"]), url=f["url"])
            for f in files
        ],
        feedback=(
            ActivityFeedbackOut(facilitatorEmail=facilitator.email if facilitator else None, text=attempt.feedback_text)
            if body.feedback is not None
            else None
        ),
    )
