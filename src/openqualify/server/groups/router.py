"""`/offerings/{offeringId}/groups`: assessment groups and their learners."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Response

from openqualify.server.groups import schemas, service
from openqualify.server.kit.deps import PrincipalDep, SessionDep, UserEmailPath
from openqualify.server.kit.errors import SchemaValidationError
from openqualify.server.kit.reads import ReadContextDep
from openqualify.server.kit.routing import api_router
from openqualify.server.users import schemas as user_schemas

router = api_router(tags=["Assessment groups"])

GROUP_ID_PATTERN = "^[0-9a-fA-F]{24}$"
_GROUP_ID = re.compile(GROUP_ID_PATTERN)


def check_group_id(groupId: str) -> str:
    """The contract's ObjectId pattern, checked before any lookup (400, not 404)."""
    if not _GROUP_ID.match(groupId):
        raise SchemaValidationError(f'[groupId] {groupId} should match pattern "{GROUP_ID_PATTERN}"')
    return groupId


async def _group_id(groupId: str) -> str:
    return check_group_id(groupId)


GroupIdPath = Annotated[str, Depends(_group_id)]


@router.read("/offerings/{offeringId}/groups", model=list[schemas.GroupOut])
async def list_groups(ctx: ReadContextDep, offeringId: str) -> list[schemas.GroupOut]:
    return await service.list_groups(ctx, offeringId)


@router.post("/offerings/{offeringId}/groups", status_code=201, response_model=schemas.GroupOut)
async def create_group(
    principal: PrincipalDep, session: SessionDep, offeringId: str, body: schemas.GroupCreate
) -> schemas.GroupOut:
    return await service.create_group(session, principal, offeringId, body)


@router.read("/offerings/{offeringId}/groups/{groupId}/learners", model=list[user_schemas.UserOut])
async def group_learners(ctx: ReadContextDep, offeringId: str, groupId: str) -> list[user_schemas.UserOut]:
    return await service.group_learners(await ctx.session(), offeringId, check_group_id(groupId))


@router.post(
    "/offerings/{offeringId}/groups/{groupId}/learners", status_code=201, response_model=user_schemas.UserOut
)
async def add_group_learner(
    principal: PrincipalDep,
    session: SessionDep,
    offeringId: str,
    groupId: GroupIdPath,
    body: schemas.GroupLearnerIn,
) -> user_schemas.UserOut:
    return await service.add_group_learner(session, principal, offeringId, groupId, body)


@router.delete(
    "/offerings/{offeringId}/groups/{groupId}/learners/{userEmail}", status_code=204, response_class=Response
)
async def remove_group_learner(
    principal: PrincipalDep, session: SessionDep, offeringId: str, groupId: GroupIdPath, email: UserEmailPath
) -> None:
    await service.remove_group_learner(session, principal, offeringId, groupId, email)
