"""Assessment data (analytics): `/offerings/{offeringId}/analytics/{marks,submissions,activities}/...`."""

from __future__ import annotations

from openqualify.server.assessment_data import schemas, service
from openqualify.server.kit.deps import PrincipalDep, SessionDep, UserEmailPath
from openqualify.server.kit.routing import api_router

router = api_router(tags=["Assessment data"])


@router.get("/offerings/{offeringId}/analytics/marks/assignments", response_model=list[schemas.AssignmentMarkOut])
async def assignment_marks(
    principal: PrincipalDep, session: SessionDep, offeringId: str
) -> list[schemas.AssignmentMarkOut]:
    return await service.assignment_marks(session, offeringId)


@router.get("/offerings/{offeringId}/analytics/marks/quizzes", response_model=list[schemas.QuizMarkOut])
async def quiz_marks(principal: PrincipalDep, session: SessionDep, offeringId: str) -> list[schemas.QuizMarkOut]:
    return await service.quiz_marks(session, offeringId)


@router.get("/offerings/{offeringId}/analytics/submissions/assignments", response_model=list[schemas.AssignmentMarkOut])
async def assignment_submissions(
    principal: PrincipalDep, session: SessionDep, offeringId: str
) -> list[schemas.AssignmentMarkOut]:
    return await service.assignment_submissions(session, offeringId)


@router.get(
    "/offerings/{offeringId}/analytics/submissions/open-response/{assessmentId}",
    response_model=list[schemas.SubmissionMarkOut],
)
async def open_response_submissions(
    principal: PrincipalDep, session: SessionDep, offeringId: str, assessmentId: str
) -> list[schemas.SubmissionMarkOut]:
    return await service.open_response_submissions(session, offeringId, assessmentId)


@router.get(
    "/offerings/{offeringId}/analytics/submissions/{userEmail}/assignments/{assessmentId}",
    response_model=list[schemas.SubmissionMarkOut],
)
async def learner_submission(
    principal: PrincipalDep, session: SessionDep, offeringId: str, email: UserEmailPath, assessmentId: str
) -> list[schemas.SubmissionMarkOut]:
    return await service.learner_submission(session, offeringId, email, assessmentId)


@router.get("/offerings/{offeringId}/analytics/activities/responses", response_model=list[schemas.ActivityAttemptOut])
async def activity_responses(
    principal: PrincipalDep, session: SessionDep, offeringId: str
) -> list[schemas.ActivityAttemptOut]:
    return await service.activity_responses(session, offeringId)
