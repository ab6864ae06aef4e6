"""Assessment data (analytics): `/offerings/{offeringId}/analytics/{marks,submissions,activities}/...`."""

from __future__ import annotations

from fastapi import Response

from openqualify.server.assessment_data import schemas, service
from openqualify.server.kit.deps import valid_email
from openqualify.server.kit.listcache import cached_list
from openqualify.server.kit.reads import ReadContextDep, read_route
from openqualify.server.kit.routing import api_router
from openqualify.server.kit.wire import JSONBytes

router = api_router(tags=["Assessment data"])


@router.get("/offerings/{offeringId}/analytics/marks/assignments", response_model=list[schemas.AssignmentMarkOut])
@read_route
@cached_list
async def assignment_marks(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await service.assignment_marks(ctx, offeringId))


@router.get("/offerings/{offeringId}/analytics/marks/quizzes", response_model=list[schemas.QuizMarkOut])
@read_route
@cached_list
async def quiz_marks(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await service.quiz_marks(ctx, offeringId))


@router.get("/offerings/{offeringId}/analytics/submissions/assignments", response_model=list[schemas.AssignmentMarkOut])
@read_route
@cached_list
async def assignment_submissions(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await service.assignment_submissions(ctx, offeringId))


@router.get(
    "/offerings/{offeringId}/analytics/submissions/open-response/{assessmentId}",
    response_model=list[schemas.SubmissionMarkOut],
)
@read_route
@cached_list
async def open_response_submissions(
    ctx: ReadContextDep, offeringId: str, assessmentId: str
) -> Response:
    return JSONBytes(await service.open_response_submissions(ctx, offeringId, assessmentId))


@router.get(
    "/offerings/{offeringId}/analytics/submissions/{userEmail}/assignments/{assessmentId}",
    response_model=list[schemas.SubmissionMarkOut],
)
@read_route
async def learner_submission(
    ctx: ReadContextDep, offeringId: str, userEmail: str, assessmentId: str
) -> Response:
    email = valid_email(userEmail, "userEmail")
    return JSONBytes(await service.learner_submission(ctx, offeringId, email, assessmentId))


@router.get("/offerings/{offeringId}/analytics/activities/responses", response_model=list[schemas.ActivityAttemptOut])
@read_route
@cached_list
async def activity_responses(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await service.activity_responses(ctx, offeringId))
