"""`/_sandbox` routes of the assessments area (bodies in `schemas`, rules in `service`)."""

from __future__ import annotations

from openqualify.server.kit.deps import PrincipalDep, SessionDep
from openqualify.server.kit.routing import api_router
from openqualify.server.sandbox.assessments import schemas, service

router = api_router(tags=["Sandbox"], prefix="/_sandbox")


@router.post("/assessments", status_code=201, response_model=schemas.SandboxAssessmentOut)
async def create_assessment(
    principal: PrincipalDep, session: SessionDep, body: schemas.AssessmentCreate
) -> schemas.SandboxAssessmentOut:
    """Create an assessment on a course version (`contentId`), or on the content of an offering (`offeringId`):
    every offering of that content has it. Dates are absolute (`openDate`/`dueDate`) or day offsets from the
    offering's (or, with relative dates, the learner's) start (`openOffsetDays`/`dueOffsetDays`)."""
    return await service.create_assessment(session, principal, body)


@router.post("/assessments/{assessmentId}/documents", status_code=201, response_model=schemas.SandboxDocumentOut)
async def add_document(
    principal: PrincipalDep, session: SessionDep, assessmentId: str, body: schemas.DocumentCreate
) -> schemas.SandboxDocumentOut:
    """Attach a document (brief, template) to an assessment: for every offering of its content, or, with
    `offeringId`, for that offering only."""
    return await service.add_document(session, principal, assessmentId, body)


@router.post(
    "/offerings/{offeringId}/assessments/{assessmentId}/submissions",
    status_code=201,
    response_model=schemas.SandboxSubmissionOut,
)
async def create_submission(
    principal: PrincipalDep, session: SessionDep, offeringId: str, assessmentId: str, body: schemas.SubmissionCreate
) -> schemas.SandboxSubmissionOut:
    """A learner's work on an assignment or open-response assessment (`draft`, `submitted` or `marked`); one per
    learner and assessment (ObjectExistsError for a second). Marks are added with `POST /submissions/{id}/marks`."""
    return await service.create_submission(session, principal, offeringId, assessmentId, body)


@router.post("/submissions/{submissionId}/marks", status_code=201, response_model=schemas.SandboxMarkOut)
async def add_mark(
    principal: PrincipalDep, session: SessionDep, submissionId: str, body: schemas.MarkCreate
) -> schemas.SandboxMarkOut:
    """Mark a submitted submission (it becomes `marked`). `role` says who marked it; absent, it follows the
    marker's membership of the offering (facilitator, else marker)."""
    return await service.add_mark(session, principal, submissionId, body)


@router.post("/marks/{markId}/feedback", status_code=201, response_model=schemas.SandboxMarkOut)
async def add_feedback(
    principal: PrincipalDep, session: SessionDep, markId: str, body: schemas.FeedbackCreate
) -> schemas.SandboxMarkOut:
    """A further feedback entry on a mark (a re-mark when `mark` is given): appended to its `markFeedback`."""
    return await service.add_feedback(session, principal, markId, body)


@router.post(
    "/offerings/{offeringId}/assessments/{assessmentId}/attempts",
    status_code=201,
    response_model=schemas.SandboxAttemptOut,
)
async def add_quiz_attempt(
    principal: PrincipalDep, session: SessionDep, offeringId: str, assessmentId: str, body: schemas.AttemptCreate
) -> schemas.SandboxAttemptOut:
    """Record a learner's attempt at a quiz, with its mark (a percentage, as a string)."""
    return await service.add_quiz_attempt(session, principal, offeringId, assessmentId, body)


@router.post("/activities", status_code=201, response_model=schemas.SandboxActivityOut)
async def create_activity(
    principal: PrincipalDep, session: SessionDep, body: schemas.ActivityCreate
) -> schemas.SandboxActivityOut:
    """Create an open-response (non-assessed) activity on a course version (`contentId`) or on the content of
    an offering (`offeringId`); `time` is the expected minutes."""
    return await service.create_activity(session, principal, body)


@router.post(
    "/offerings/{offeringId}/activities/{activityId}/attempts",
    status_code=201,
    response_model=schemas.SandboxActivityAttemptOut,
)
async def add_activity_attempt(
    principal: PrincipalDep, session: SessionDep, offeringId: str, activityId: str, body: schemas.ActivityAttemptCreate
) -> schemas.SandboxActivityAttemptOut:
    """A learner's response to an open-response activity (text and uploaded files), optionally with a
    facilitator's feedback."""
    return await service.add_activity_attempt(session, principal, offeringId, activityId, body)
