"""Assessment data (analytics): `/offerings/{offeringId}/analytics/{marks,submissions,activities}/...`."""

from __future__ import annotations

from fastapi import Response

from openqualify.server.assessment_data import schemas, service
from openqualify.server.kit.deps import UserEmailPath
from openqualify.server.kit.json_rows import JSONBytes
from openqualify.server.kit.reads import ReadContextDep
from openqualify.server.kit.routing import api_router

router = api_router(tags=["Assessment data"])


@router.read("/offerings/{offeringId}/analytics/marks/assignments", model=list[schemas.AssignmentMarkOut], cached=True)
async def assignment_marks(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await service.assignment_marks(ctx, offeringId))


@router.read("/offerings/{offeringId}/analytics/marks/quizzes", model=list[schemas.QuizMarkOut], cached=True)
async def quiz_marks(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await service.quiz_marks(ctx, offeringId))


@router.read(
    "/offerings/{offeringId}/analytics/submissions/assignments", model=list[schemas.AssignmentMarkOut], cached=True
)
async def assignment_submissions(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await service.assignment_submissions(ctx, offeringId))


@router.read(
    "/offerings/{offeringId}/analytics/submissions/open-response/{assessmentId}",
    model=list[schemas.SubmissionMarkOut], cached=True,)
async def open_response_submissions(
    ctx: ReadContextDep, offeringId: str, assessmentId: str
) -> Response:
    return JSONBytes(await service.open_response_submissions(ctx, offeringId, assessmentId))


@router.read(
    "/offerings/{offeringId}/analytics/submissions/{userEmail}/assignments/{assessmentId}",
    model=list[schemas.SubmissionMarkOut],
)
async def learner_submission(
    ctx: ReadContextDep, offeringId: str, userEmail: UserEmailPath, assessmentId: str
) -> Response:
    return JSONBytes(await service.learner_submission(ctx, offeringId, userEmail, assessmentId))


@router.read(
    "/offerings/{offeringId}/analytics/activities/responses", model=list[schemas.ActivityAttemptOut], cached=True
)
async def activity_responses(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await service.activity_responses(ctx, offeringId))
