"""`/offerings` and `/offerings/{offeringId}/metadata/*`: class activations and their metadata."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response

from openqualify.server.kit.deps import PrincipalDep, SessionDep
from openqualify.server.kit.errors import SchemaValidationError
from openqualify.server.kit.json_rows import JSONBytes
from openqualify.server.kit.reads import ReadContextDep
from openqualify.server.kit.routing import api_router
from openqualify.server.offerings import schemas, service, views

router = api_router(tags=["Offerings"])

SUMMARY_PARAMS = frozenset({"$top", "$orderby", "$filter"})
METADATA_ROUTE: dict[str, Any] = {"response_model": schemas.OfferingOut, "tags": ["Offering metadata"]}


def reject_unknown_query(request: Request, allowed: frozenset[str]) -> None:
    """DOMAIN §3.5: an unexpected query parameter is a schema error, not silently ignored."""
    for name in request.query_params:
        if name not in allowed:
            raise SchemaValidationError(f"Unknown query parameter '{name}'")


# Static paths before `/offerings/{offeringId}`, which would otherwise take them.
@router.read("/offerings", model=list[schemas.OfferingOut])
async def list_offerings(ctx: ReadContextDep) -> list[schemas.OfferingOut]:
    return await views.list_offerings(await ctx.session(), ctx.principal, "all")


@router.post("/offerings", status_code=201, response_model=schemas.OfferingOut)
async def create_offering(
    principal: PrincipalDep, session: SessionDep, body: schemas.OfferingCreate
) -> schemas.OfferingOut:
    return await service.create_offering(session, principal, body)


@router.read("/offerings/current", model=list[schemas.OfferingOut])
async def current_offerings(ctx: ReadContextDep) -> list[schemas.OfferingOut]:
    return await views.list_offerings(await ctx.session(), ctx.principal, "current")


@router.read("/offerings/past", model=list[schemas.OfferingOut])
async def past_offerings(ctx: ReadContextDep) -> list[schemas.OfferingOut]:
    return await views.list_offerings(await ctx.session(), ctx.principal, "past")


@router.read("/offerings/future", model=list[schemas.OfferingOut])
async def future_offerings(ctx: ReadContextDep) -> list[schemas.OfferingOut]:
    return await views.list_offerings(await ctx.session(), ctx.principal, "future")


@router.read("/offerings/info/{textPattern}", model=list[schemas.PortfolioActivationOut])
async def search_offerings(ctx: ReadContextDep, textPattern: str) -> list[schemas.PortfolioActivationOut]:
    return await views.search_info(await ctx.session(), textPattern)


@router.read("/offerings/summary", model=list[schemas.PortfolioActivationOut])
async def offerings_summary(
    ctx: ReadContextDep,
    top: Annotated[str | None, Query(alias="$top")] = None,
    orderby: Annotated[str | None, Query(alias="$orderby")] = None,
    filter: Annotated[str | None, Query(alias="$filter")] = None,
) -> list[schemas.PortfolioActivationOut]:
    reject_unknown_query(ctx.request, SUMMARY_PARAMS)
    return await views.summary(await ctx.session(), top, orderby, filter)


@router.read("/offerings/{offeringId}", model=schemas.OfferingOut)
async def get_offering(ctx: ReadContextDep, offeringId: str) -> Response:
    return JSONBytes(await views.offering_by_id(ctx, offeringId))


@router.patch("/offerings/{offeringId}", response_model=schemas.OfferingOut)
async def update_offering(
    principal: PrincipalDep, session: SessionDep, offeringId: str, body: schemas.OfferingPatch
) -> schemas.OfferingOut:
    return await service.update_offering(session, principal, offeringId, body)


@router.put("/offerings/{offeringId}/metadata/category", **METADATA_ROUTE)
async def put_category(
    principal: PrincipalDep, session: SessionDep, offeringId: str, body: schemas.CategoryIn
) -> schemas.OfferingOut:
    return await service.set_metadata(session, principal, offeringId, "category", body.category)


@router.put("/offerings/{offeringId}/metadata/level", **METADATA_ROUTE)
async def put_level(
    principal: PrincipalDep, session: SessionDep, offeringId: str, body: schemas.LevelIn
) -> schemas.OfferingOut:
    return await service.set_metadata(session, principal, offeringId, "level", body.level)


@router.put("/offerings/{offeringId}/metadata/tags", **METADATA_ROUTE)
async def put_tags(
    principal: PrincipalDep, session: SessionDep, offeringId: str, body: schemas.TagsIn
) -> schemas.OfferingOut:
    return await service.set_metadata(session, principal, offeringId, "tags", body.tags)


@router.put("/offerings/{offeringId}/metadata/topic", **METADATA_ROUTE)
async def put_topic(
    principal: PrincipalDep, session: SessionDep, offeringId: str, body: schemas.TopicIn
) -> schemas.OfferingOut:
    return await service.set_metadata(session, principal, offeringId, "topic", body.topic)

