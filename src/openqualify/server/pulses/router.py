"""Pulses: answered pulse ids and learners' responses."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from openqualify.server.kit.json_rows import JSONBytes
from openqualify.server.kit.reads import ReadContextDep
from openqualify.server.kit.routing import api_router
from openqualify.server.pulses import schemas, service

router = api_router(tags=["Pulses"])


@router.read("/offerings/{offeringId}/analytics/pulses", model=list[str])
async def list_pulses(ctx: ReadContextDep, offeringId: str) -> list[str]:
    return await service.pulse_ids(await ctx.session(), offeringId)


@router.read("/offerings/{offeringId}/analytics/pulses/responses", model=list[schemas.PulseResponseOut], cached=True)
async def all_responses(
    ctx: ReadContextDep,
    offeringId: str,
    pulseType: Annotated[str | None, Query()] = None,
    responseTime: Annotated[list[str] | None, Query()] = None,
) -> Response:
    return JSONBytes(await service.all_responses(ctx, offeringId, pulseType, responseTime or []))


@router.read(
    "/offerings/{offeringId}/analytics/pulses/{pulseId}/responses", model=list[schemas.PulseResponseOut], cached=True)
async def pulse_responses(ctx: ReadContextDep, offeringId: str, pulseId: str) -> Response:
    return JSONBytes(await service.pulse_responses(ctx, offeringId, pulseId))
