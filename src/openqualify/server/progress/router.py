"""Learner activity: progress, social notes and unit reactions.

Registered before the users router, so `/users/all/progress` is not read as the e-mail `all`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from openqualify.server.kit.deps import PrincipalDep, SessionDep, UserEmailPath
from openqualify.server.kit.routing import api_router
from openqualify.server.progress import schemas, service

router = api_router(tags=["Learner activity"])


@router.get("/users/all/progress", response_model=schemas.AllProgressOut)
async def all_progress(
    principal: PrincipalDep,
    session: SessionDep,
    request: Request,
    top: Annotated[str | None, Query(alias="$top")] = None,
    orderby: Annotated[str | None, Query(alias="$orderby")] = None,
    filter: Annotated[str | None, Query(alias="$filter")] = None,
) -> schemas.AllProgressOut:
    service.check_query_params(request.query_params.keys(), service.ALL_PROGRESS_PARAMS)
    return await service.all_progress(session, top, orderby, filter)


@router.get("/users/{userEmail}/progress", response_model=schemas.LearnerOut)
async def user_progress(principal: PrincipalDep, session: SessionDep, email: UserEmailPath) -> schemas.LearnerOut:
    return await service.user_progress(session, email)


@router.get("/users/{userEmail}/offerings/{offeringId}/progress", response_model=schemas.OfferingProgressOut)
async def user_offering_progress(
    principal: PrincipalDep, session: SessionDep, email: UserEmailPath, offeringId: str
) -> schemas.OfferingProgressOut:
    return await service.user_offering_progress(session, email, offeringId)


@router.get("/offerings/{offeringId}/analytics/learners-progress", response_model=list[schemas.LearnerProgressOut])
async def learners_progress(
    principal: PrincipalDep, session: SessionDep, offeringId: str
) -> list[schemas.LearnerProgressOut]:
    return await service.learners_progress(session, offeringId)


@router.get("/offerings/{offeringId}/analytics/social-notes", response_model=list[schemas.SocialNoteOut])
async def social_notes(principal: PrincipalDep, session: SessionDep, offeringId: str) -> list[schemas.SocialNoteOut]:
    return await service.social_notes(session, offeringId)


@router.get("/offerings/{offeringId}/analytics/unit-reactions", response_model=list[schemas.UnitReactionsOut])
async def unit_reactions(
    principal: PrincipalDep, session: SessionDep, offeringId: str
) -> list[schemas.UnitReactionsOut]:
    return await service.unit_reactions(session, offeringId)
