"""Writing assessments and learners' work: assessments and activities of a course version, documents,
submissions, marks and feedback, quiz attempts and activity attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.assessment_data.schemas import ActivityFeedbackOut, UploadedFileOut
from openqualify.server.assessment_data.service import ACTIVITY_TYPE
from openqualify.server.assessments import schemas as out
from openqualify.server.assessments import views
from openqualify.server.assessments.lookup import get_assessment
from openqualify.server.assessments.repository import AssessmentRepository
from openqualify.server.assessments.service import invalid_property
from openqualify.server.db.models import (
    Activity,
    ActivityAttempt,
    Assessment,
    AssessmentDocument,
    Mark,
    QuizAttempt,
    Submission,
    User,
)
from openqualify.server.event_hub import emitters as hub
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.errors import (
    AssessmentNotSubmittedError,
    ObjectExistsError,
    ObjectNotFoundError,
    ValidationError,
)
from openqualify.server.kit.ids import object_id, push_id
from openqualify.server.kit.timefmt import format_datetime
from openqualify.server.memberships.lookup import get_learner
from openqualify.server.memberships.repository import MembershipRepository
from openqualify.server.offerings.lookup import get_offering
from openqualify.server.offerings.repository import OfferingRepository
from openqualify.server.sandbox.assessments.schemas import (
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
from openqualify.server.users.lookup import get_user


async def _content_id(session: AsyncSession, body: Placed) -> str:
    if body.offeringId is not None:
        return (await get_offering(session, body.offeringId)).content_id
    assert body.contentId is not None
    version = await OfferingRepository(session).version(body.contentId)
    if version is None:
        raise ObjectNotFoundError.of("content", body.contentId)
    return version.id


async def _position(
    session: AsyncSession, model: type[Assessment] | type[Activity], content_id: str, given: int | None
) -> int:
    """The given position, else the next one after the course version's last."""
    if given is not None:
        return given
    highest = await AssessmentRepository(session).last_position(model, content_id)
    return (highest or 0) + 1


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


async def create_assessment(
    session: AsyncSession, principal: Principal, body: AssessmentCreate
) -> SandboxAssessmentOut:
    content_id = await _content_id(session, body)
    _check_order(body.openDate, body.dueDate, "dueDate")
    _check_order(body.openOffsetDays, body.dueOffsetDays, "dueOffsetDays")
    assessment = Assessment(
        id=push_id(),
        content_id=content_id,
        position=await _position(session, Assessment, content_id, body.position),
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
    return _sandbox_assessment_out(await AssessmentRepository(session).store(assessment))


async def add_document(
    session: AsyncSession, principal: Principal, assessment_id: str, body: DocumentCreate
) -> SandboxDocumentOut:
    repo = AssessmentRepository(session)
    assessment = await repo.by_key(Assessment, assessment_id)
    if assessment is None:
        raise ObjectNotFoundError.of("assessment", assessment_id)
    if body.offeringId is not None:
        offering = await get_offering(session, body.offeringId)
        if offering.content_id != assessment.content_id:
            raise ObjectNotFoundError.of("assessment", assessment_id)
    document_id = object_id()
    document = await repo.store(
        AssessmentDocument(
            id=document_id,
            assessment_id=assessment.id,
            offering_id=body.offeringId,
            filename=body.filename,
            mimetype=body.mimetype,
            size=body.size,
            url=body.url or f"https://files.iqualify.com/documents/{document_id}",
            created_at=body.createdAt or principal.now(),
        )
    )
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


async def create_submission(
    session: AsyncSession, principal: Principal, offering_id: str, assessment_id: str, body: SubmissionCreate
) -> SandboxSubmissionOut:
    offering = await get_offering(session, offering_id)
    assessment, _ = await get_assessment(session, offering, assessment_id)
    user, _ = await get_learner(session, offering, body.email)
    if assessment.type == "quiz":
        raise invalid_property("assessment", "type", "assignment or open-response")
    repo = AssessmentRepository(session)
    if await repo.find_submission(offering.id, assessment.id, user.id) is not None:
        raise ObjectExistsError(f"The user {user.email} already has a submission for assessment {assessment.id}.")
    now = principal.now()
    submitted_at = None if body.status == "draft" else (body.submittedAt or now)
    submission = await repo.store(
        Submission(
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
    )
    if submission.status != "draft":
        await hub.assessment_submitted(session, offering, assessment, user, submission)
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


async def add_mark(session: AsyncSession, principal: Principal, submission_id: str, body: MarkCreate) -> SandboxMarkOut:
    repo = AssessmentRepository(session)
    submission = await repo.by_key(Submission, submission_id)
    if submission is None:
        raise ObjectNotFoundError.of("submission", submission_id)
    marker = await get_user(session, body.markedBy)
    if submission.status == "draft":
        learner = await repo.by_key(User, submission.user_id)
        email = learner.email if learner is not None else submission.user_id
        raise AssessmentNotSubmittedError(f"The user {email} has not submitted assessment {submission.assessment_id}.")
    role = body.role
    if role is None:
        membership = await MembershipRepository(session).membership(submission.offering_id, marker.id)
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
    submission.status = "marked"
    await hub.assessment_marked(session, await repo.store(mark), marker)
    return await _mark_out(session, mark)


async def add_feedback(
    session: AsyncSession, principal: Principal, mark_id: str, body: FeedbackCreate
) -> SandboxMarkOut:
    mark = await AssessmentRepository(session).by_key(Mark, mark_id)
    if mark is None:
        raise ObjectNotFoundError.of("mark", mark_id)
    author = await get_user(session, body.feedbackBy)
    at = body.createdAt or principal.now()
    mark.history = [*(mark.history or ()), _entry(body.mark, body.feedback, author, at)]
    if body.mark is not None:
        mark.mark = body.mark
    if body.feedback:  # the mark's feedback is its latest text (lists read it without the history)
        mark.feedback = body.feedback
    mark.updated_at = max(mark.updated_at, at)
    await session.flush()
    if body.mark is not None:  # marked again
        await hub.assessment_marked(session, mark, author)
    return await _mark_out(session, mark)


async def add_quiz_attempt(
    session: AsyncSession, principal: Principal, offering_id: str, assessment_id: str, body: AttemptCreate
) -> SandboxAttemptOut:
    offering = await get_offering(session, offering_id)
    assessment, _ = await get_assessment(session, offering, assessment_id)
    user, _ = await get_learner(session, offering, body.email)
    if assessment.type != "quiz":
        raise invalid_property("assessment", "type", "quiz")
    attempt = await AssessmentRepository(session).store(
        QuizAttempt(
            id=push_id(),
            offering_id=offering.id,
            assessment_id=assessment.id,
            user_id=user.id,
            mark=body.mark,
            attempted_at=body.attemptedAt or principal.now(),
        )
    )
    await hub.quiz_attempted(session, offering, assessment, user, attempt)
    return SandboxAttemptOut(
        id=attempt.id,
        offeringId=offering.id,
        assessmentId=assessment.id,
        email=user.email,
        mark=attempt.mark,
        attemptedAt=attempt.attempted_at,
    )


async def create_activity(session: AsyncSession, principal: Principal, body: ActivityCreate) -> SandboxActivityOut:
    content_id = await _content_id(session, body)
    activity = await AssessmentRepository(session).store(
        Activity(
            id=push_id(),
            content_id=content_id,
            position=await _position(session, Activity, content_id, body.position),
            title=body.title,
            time_minutes=body.time,
            created_at=principal.now(),
        )
    )
    return SandboxActivityOut(
        activityId=activity.id,
        contentId=content_id,
        position=activity.position,
        title=activity.title,
        time=activity.time_minutes,
    )


async def add_activity_attempt(
    session: AsyncSession, principal: Principal, offering_id: str, activity_id: str, body: ActivityAttemptCreate
) -> SandboxActivityAttemptOut:
    offering = await get_offering(session, offering_id)
    repo = AssessmentRepository(session)
    activity = await repo.by_key(Activity, activity_id)
    if activity is None or activity.content_id != offering.content_id:
        raise ObjectNotFoundError.of("activity", activity_id)
    user, _ = await get_learner(session, offering, body.email)
    facilitator = await get_user(session, body.feedback.facilitatorEmail) if body.feedback is not None else None
    files = [f.model_dump() for f in body.uploadedFiles]
    for f in files:
        f["url"] = f["url"] or f"https://files.iqualify.com/activities/{object_id()}"
    attempt = await repo.store(
        ActivityAttempt(
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
    )
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
