"""`/users`: organisation accounts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Body, Path, Response

from openqualify.server.kit.deps import PrincipalDep, SessionDep, UserEmailPath
from openqualify.server.kit.reads import ReadContextDep
from openqualify.server.kit.routing import api_router
from openqualify.server.users import schemas, service

router = api_router(tags=["Users in iQualify"])


@router.post("/users", status_code=201, response_model=schemas.UserOut)
async def create_user(
    principal: PrincipalDep, session: SessionDep, body: schemas.UserCreate
) -> schemas.UserOut:
    return await service.create_user(session, principal, body)


@router.read("/users/{userEmail}", model=schemas.UserOut)
async def get_user(ctx: ReadContextDep, userEmail: UserEmailPath) -> schemas.UserOut:
    return await service.read_user_out(ctx, userEmail)


@router.patch("/users/{userEmail}", response_model=schemas.UserOut)
async def update_user(
    principal: PrincipalDep,
    session: SessionDep,
    email: UserEmailPath,
    body: Annotated[schemas.UserPatch | None, Body()] = None,
) -> schemas.UserOut:
    return await service.update_user(session, principal, email, body)


@router.put("/users/{userEmail}/suspend", status_code=204, response_class=Response)
async def suspend_user(
    principal: PrincipalDep, session: SessionDep, email: UserEmailPath, body: schemas.SuspendedRequest
) -> None:
    await service.set_suspended(session, principal, email, body)


@router.post("/users/{userEmail}/invite-email", status_code=204, response_class=Response)
async def resend_invite(principal: PrincipalDep, session: SessionDep, email: UserEmailPath) -> None:
    await service.resend_invite(session, principal, email)


@router.post("/users/{userEmail}/permissions/{permissionName}", response_model=schemas.UserOut)
async def grant_permission(
    principal: PrincipalDep,
    session: SessionDep,
    email: UserEmailPath,
    permission: Annotated[Literal["builder", "manager"], Path(alias="permissionName")],
) -> schemas.UserOut:
    return await service.grant_permission(session, principal, email, permission)
