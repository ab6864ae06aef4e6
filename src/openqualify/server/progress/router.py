"""Learner activity: progress, social notes and unit reactions.

Registered before the users router, so `/users/all/progress` is not read as the e-mail `all`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from openqualify.server.kit.deps import UserEmailPath
from openqualify.server.kit.json_rows import JSONBytes
from openqualify.server.kit.reads import ReadContextDep
from openqualify.server.kit.routing import api_router
from openqualify.server.progress import schemas, service

router = api_router(tags=["Learner activity"])


@router.read("/users/all/progress", model=schemas.AllProgressOut, cached=True)
async def all_progress(
    ctx: ReadContextDep,
    top: Annotated[str | None, Query(alias="$top")] = None,
    orderby: Annotated[str | None, Query(alias="$orderby")] = None,
    filter: Annotated[str | None, Query(alias="$filter")] = None,
) -> Response:
    service.check_query_params(ctx.request.query_params.keys(), service.ALL_PROGRESS_PARAMS)
    return JSONBytes(await service.all_progress(await ctx.session(), top, orderby, filter))


@router.read("/users/{userEmail}/progress", model=schemas.LearnerOut)
async def user_progress(ctx: ReadContextDep, userEmail: UserEmailPath) -> schemas.LearnerOut:
    return await service.user_progress(await ctx.session(), userEmail)


@router.read("/users/{userEmail}/offerings/{offeringId}/progress", model=schemas.OfferingProgressOut)
async def user_offering_progress(
    ctx: ReadContextDep, userEmail: UserEmailPath, offeringId: str
) -> schemas.OfferingProgressOut:
    return await service.user_offering_progress(await ctx.session(), userEmail, offeringId)


@router.read("/offerings/{offeringId}/analytics/learners-progress", model=list[schemas.LearnerProgressOut], cached=True)
async def learners_progress(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await service.learners_progress(ctx, offeringId))


@router.read("/offerings/{offeringId}/analytics/social-notes", model=list[schemas.SocialNoteOut], cached=True)
async def social_notes(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await service.social_notes(ctx, offeringId))


@router.read("/offerings/{offeringId}/analytics/unit-reactions", model=list[schemas.UnitReactionsOut], cached=True)
async def unit_reactions(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await service.unit_reactions(ctx, offeringId))
