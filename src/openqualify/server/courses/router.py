"""`/courses`: courses and their versions, activations, shared metadata and collaborator permissions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from openqualify.server.courses import schemas, service
from openqualify.server.kit.deps import PrincipalDep, SessionDep, UserEmailPath
from openqualify.server.kit.reads import ReadContextDep
from openqualify.server.kit.routing import api_router

router = api_router(tags=["Courses"])

ContentId = Annotated[str, Path(alias="contentId")]
RootContentId = Annotated[str, Path(alias="rootContentId")]


@router.read("/courses", model=list[schemas.CourseOut])
async def list_courses(ctx: ReadContextDep) -> list[schemas.CourseOut]:
    return await service.list_courses(await ctx.session())


@router.read("/courses/{contentId}", model=schemas.CourseMetaOut)
async def get_course(ctx: ReadContextDep, contentId: str) -> schemas.CourseMetaOut:
    return await service.get_course(ctx, contentId)


@router.read("/courses/{contentId}/activations", model=list[schemas.ActivationOut])
async def list_activations(ctx: ReadContextDep, contentId: str) -> list[schemas.ActivationOut]:
    return await service.activations(await ctx.session(), contentId)


@router.put("/courses/{contentId}/metadata/category", response_model=schemas.CourseMetaOut, tags=["Course metadata"])
async def set_category(
    principal: PrincipalDep, session: SessionDep, content_id: ContentId, body: schemas.CategoryIn
) -> schemas.CourseMetaOut:
    return await service.set_metadata(session, content_id, "category", body.category)


@router.put("/courses/{contentId}/metadata/level", response_model=schemas.CourseMetaOut, tags=["Course metadata"])
async def set_level(
    principal: PrincipalDep, session: SessionDep, content_id: ContentId, body: schemas.LevelIn
) -> schemas.CourseMetaOut:
    return await service.set_metadata(session, content_id, "level", body.level)


@router.put("/courses/{contentId}/metadata/tags", response_model=schemas.CourseMetaOut, tags=["Course metadata"])
async def set_tags(
    principal: PrincipalDep, session: SessionDep, content_id: ContentId, body: schemas.TagsIn
) -> schemas.CourseMetaOut:
    return await service.set_metadata(session, content_id, "tags", body.tags)


@router.put("/courses/{contentId}/metadata/topic", response_model=schemas.CourseMetaOut, tags=["Course metadata"])
async def set_topic(
    principal: PrincipalDep, session: SessionDep, content_id: ContentId, body: schemas.TopicIn
) -> schemas.CourseMetaOut:
    return await service.set_metadata(session, content_id, "topic", body.topic)


@router.read("/courses/{contentId}/permissions", model=list[schemas.UserPermissionOut])
async def list_permissions(ctx: ReadContextDep, contentId: str) -> list[schemas.UserPermissionOut]:
    return await service.permissions(await ctx.session(), contentId)


@router.post(
    "/courses/{rootContentId}/permissions/{userEmail}", status_code=201, response_model=schemas.PermissionGrantedOut
)
async def grant_permission(
    principal: PrincipalDep,
    session: SessionDep,
    root_content_id: RootContentId,
    email: UserEmailPath,
    body: schemas.PermissionIn,
) -> schemas.PermissionGrantedOut:
    return await service.grant_permission(session, principal, root_content_id, email, body)
