"""Assessment management: `/offerings/{offeringId}/assessments`, learners' due dates, submissions, activities."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from openqualify.server.assessments import pending, schemas, service
from openqualify.server.kit.deps import PrincipalDep, SessionDep, UserEmailPath
from openqualify.server.kit.reads import ReadContextDep
from openqualify.server.kit.routing import api_router

router = api_router(tags=["Assessment management"])


@router.read("/offerings/{offeringId}/assessments", model=list[schemas.AssessmentOut])
async def list_assessments(ctx: ReadContextDep, offeringId: str) -> list[schemas.AssessmentOut]:
    return await service.list_assessments(ctx, offeringId)


@router.patch("/offerings/{offeringId}/assessments/{assessmentId}", response_model=schemas.AssessmentOut)
async def update_assessment(
    principal: PrincipalDep, session: SessionDep, offeringId: str, assessmentId: str, body: schemas.AssessmentPatch
) -> schemas.AssessmentOut:
    return await service.update_assessment(session, principal, offeringId, assessmentId, body)


@router.patch(
    "/offerings/{offeringId}/assessments/{assessmentId}/{userEmail}", status_code=204, response_class=Response
)
async def set_learner_due_date(
    principal: PrincipalDep,
    session: SessionDep,
    offeringId: str,
    assessmentId: str,
    email: UserEmailPath,
    body: schemas.LearnerDueDate,
) -> None:
    await service.set_learner_due_date(session, principal, offeringId, assessmentId, email, body)


@router.delete(
    "/offerings/{offeringId}/assessments/{assessmentId}/documents/{documentId}",
    status_code=204,
    response_class=Response,
)
async def delete_document(
    principal: PrincipalDep, session: SessionDep, offeringId: str, assessmentId: str, documentId: str
) -> None:
    await service.delete_document(session, principal, offeringId, assessmentId, documentId)


@router.read("/offerings/{offeringId}/learners/pending-submission", model=list[schemas.PendingSubmissionOut])
async def pending_submission(
    ctx: ReadContextDep, offeringId: str, days: Annotated[str | None, Query()] = None
) -> list[schemas.PendingSubmissionOut]:
    return await pending.pending_submission(ctx, offeringId, days)


@router.delete(
    "/offerings/{offeringId}/users/{userEmail}/assessments/{assessmentId}", status_code=204, response_class=Response
)
async def reset_to_draft(
    principal: PrincipalDep, session: SessionDep, offeringId: str, email: UserEmailPath, assessmentId: str
) -> None:
    await service.reset_to_draft(session, principal, offeringId, email, assessmentId)


@router.read(
    "/offerings/{offeringId}/users/{userEmail}/submissions/open-response", model=list[schemas.AssignmentOut]
)
async def open_response_submissions(
    ctx: ReadContextDep, offeringId: str, userEmail: UserEmailPath
) -> list[schemas.AssignmentOut]:
    return await service.open_response_submissions(await ctx.session(), offeringId, userEmail)


@router.read("/offerings/{offeringId}/activities/openresponse", model=list[schemas.ActivityOut])
async def list_activities(ctx: ReadContextDep, offeringId: str) -> list[schemas.ActivityOut]:
    return await service.list_activities(await ctx.session(), offeringId)
