"""Learner activity: progress, social notes and unit reactions.

Registered before the users router, so `/users/all/progress` is not read as the e-mail `all`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from openqualify.server.kit.deps import valid_email
from openqualify.server.kit.listcache import cached_list
from openqualify.server.kit.reads import ReadContextDep, read_route
from openqualify.server.kit.routing import api_router
from openqualify.server.kit.wire import JSONBytes
from openqualify.server.progress import schemas, service

router = api_router(tags=["Learner activity"])


@router.get("/users/all/progress", response_model=schemas.AllProgressOut)
@read_route
@cached_list
async def all_progress(
    ctx: ReadContextDep,
    top: Annotated[str | None, Query(alias="$top")] = None,
    orderby: Annotated[str | None, Query(alias="$orderby")] = None,
    filter: Annotated[str | None, Query(alias="$filter")] = None,
) -> Response:
    service.check_query_params(ctx.request.query_params.keys(), service.ALL_PROGRESS_PARAMS)
    return JSONBytes(await service.all_progress(await ctx.session(), top, orderby, filter))


@router.get("/users/{userEmail}/progress", response_model=schemas.LearnerOut)
@read_route
async def user_progress(ctx: ReadContextDep, userEmail: str) -> schemas.LearnerOut:
    return await service.user_progress(await ctx.session(), valid_email(userEmail, "userEmail"))


@router.get("/users/{userEmail}/offerings/{offeringId}/progress", response_model=schemas.OfferingProgressOut)
@read_route
async def user_offering_progress(ctx: ReadContextDep, userEmail: str, offeringId: str) -> schemas.OfferingProgressOut:
    email = valid_email(userEmail, "userEmail")
    return await service.user_offering_progress(await ctx.session(), email, offeringId)


@router.get("/offerings/{offeringId}/analytics/learners-progress", response_model=list[schemas.LearnerProgressOut])
@read_route
@cached_list
async def learners_progress(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await service.learners_progress(ctx, offeringId))


@router.get("/offerings/{offeringId}/analytics/social-notes", response_model=list[schemas.SocialNoteOut])
@read_route
@cached_list
async def social_notes(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await service.social_notes(ctx, offeringId))


@router.get("/offerings/{offeringId}/analytics/unit-reactions", response_model=list[schemas.UnitReactionsOut])
@read_route
@cached_list
async def unit_reactions(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await service.unit_reactions(ctx, offeringId))
