"""Pulses: answered pulse ids and learners' responses."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from openqualify.server.kit.listcache import cached_list
from openqualify.server.kit.reads import ReadContextDep, read_route
from openqualify.server.kit.routing import api_router
from openqualify.server.kit.wire import JSONBytes
from openqualify.server.pulses import schemas, service

router = api_router(tags=["Pulses"])


@router.get("/offerings/{offeringId}/analytics/pulses", response_model=list[str])
@read_route
async def list_pulses(ctx: ReadContextDep, offeringId: str) -> list[str]:
    return await service.pulse_ids(await ctx.session(), offeringId)


@router.get("/offerings/{offeringId}/analytics/pulses/responses", response_model=list[schemas.PulseResponseOut])
@read_route
@cached_list
async def all_responses(
    ctx: ReadContextDep,
    offeringId: str,
    pulseType: Annotated[str | None, Query()] = None,
    responseTime: Annotated[list[str] | None, Query()] = None,
) -> Response:
    return JSONBytes(await service.all_responses(ctx, offeringId, pulseType, responseTime or []))


@router.get(
    "/offerings/{offeringId}/analytics/pulses/{pulseId}/responses", response_model=list[schemas.PulseResponseOut]
)
@read_route
@cached_list
async def pulse_responses(ctx: ReadContextDep, offeringId: str, pulseId: str) -> Response:
    return JSONBytes(await service.pulse_responses(ctx, offeringId, pulseId))
