"""`/course-mappings`: offerings linked to external course ids (e.g. a SIS or shop product code)."""

from __future__ import annotations

from openqualify.server.course_mappings import service
from openqualify.server.course_mappings.schemas import ExternalCourseIdPath
from openqualify.server.kit.deps import PrincipalDep, SessionDep
from openqualify.server.kit.reads import ReadContextDep
from openqualify.server.kit.routing import api_router

router = api_router(tags=["Course mappings"])


@router.read("/course-mappings", model=dict[str, str])
async def all_mappings(ctx: ReadContextDep) -> dict[str, str]:
    return await service.all_mappings(await ctx.session())


@router.read("/course-mappings/externalcourse/{externalCourseId}", model=list[str])
async def offerings_of_external_course(ctx: ReadContextDep, externalCourseId: str) -> list[str]:
    return await service.offerings_of(await ctx.session(), externalCourseId)


@router.read("/course-mappings/{offeringId}", model=list[str])
async def mappings_of_offering(ctx: ReadContextDep, offeringId: str) -> list[str]:
    return await service.external_ids_of(await ctx.session(), offeringId)


@router.put("/course-mappings/{offeringId}/{externalCourseId}", response_model=list[str])
async def put_mapping(
    principal: PrincipalDep, session: SessionDep, offeringId: str, externalCourseId: ExternalCourseIdPath
) -> list[str]:
    return await service.put_mapping(session, principal, offeringId, externalCourseId)


@router.delete("/course-mappings/{offeringId}/{externalCourseId}", response_model=list[str])
async def delete_mapping(
    principal: PrincipalDep, session: SessionDep, offeringId: str, externalCourseId: str
) -> list[str]:
    return await service.delete_mapping(session, principal, offeringId, externalCourseId)
