"""Assessment groups: named sets of an offering's learners (a learner may be in several groups)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import Offering
from openqualify.server.db.models.social import AssessmentGroup, AssessmentGroupMember
from openqualify.server.groups import repository, schemas
from openqualify.server.groups.repository import GroupRepository
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.errors import ApiValidationError, ObjectNotFoundError
from openqualify.server.kit.ids import object_id, push_id
from openqualify.server.kit.reads import AnyRow, ReadContext
from openqualify.server.kit.validation import is_email
from openqualify.server.memberships.repository import MembershipRepository
from openqualify.server.offerings.lookup import found_in_offering, get_offering
from openqualify.server.users import schemas as user_schemas
from openqualify.server.users.lookup import get_user
from openqualify.server.users.repository import UserRepository
from openqualify.server.users.service import to_out


def group_out(group: AssessmentGroup | AnyRow) -> schemas.GroupOut:
    return schemas.GroupOut(id=group.id, title=group.title, createdAt=group.created_at)


async def _group(session: AsyncSession, offering_id: str, group_id: str) -> tuple[Offering, AssessmentGroup]:
    offering = await get_offering(session, offering_id)
    group = await GroupRepository(session).find(offering.id, group_id)
    if group is None:
        raise ObjectNotFoundError.of("group", group_id)
    return offering, group


async def list_groups(ctx: ReadContext, offering_id: str) -> list[schemas.GroupOut]:
    groups = found_in_offering(await repository.read_groups(ctx, offering_id), offering_id)
    return [group_out(group) for group in groups]


async def create_group(
    session: AsyncSession, principal: Principal, offering_id: str, body: schemas.GroupCreate
) -> schemas.GroupOut:
    offering = await get_offering(session, offering_id)
    group = AssessmentGroup(id=object_id(), offering_id=offering.id, title=body.title, created_at=principal.now())
    GroupRepository(session).add(group)
    await session.flush()
    return group_out(group)


async def group_learners(session: AsyncSession, offering_id: str, group_id: str) -> list[user_schemas.UserOut]:
    _offering, group = await _group(session, offering_id, group_id)
    return [to_out(user) for user in await GroupRepository(session).learners(group.id)]


async def add_group_learner(
    session: AsyncSession, principal: Principal, offering_id: str, group_id: str, body: schemas.GroupLearnerIn
) -> user_schemas.UserOut:
    offering, group = await _group(session, offering_id, group_id)
    if not body.email:
        raise ApiValidationError("The field 'email' is missing or invalid.")
    if not is_email(body.email):
        raise ApiValidationError(f"The email {body.email} is invalid.")
    user = await get_user(session, body.email)
    found = await MembershipRepository(session).find_member(offering.id, user.email)
    if found is None or not found[1].is_learner:
        raise ApiValidationError(f"The user {user.email} is not a learner in the offering {offering.id}.")
    repo = GroupRepository(session)
    if await repo.member(group.id, user.id) is not None:
        raise ApiValidationError(f"The user {user.email} is already in the group {group.id}.")
    repo.add(
        AssessmentGroupMember(
            id=push_id(), group_id=group.id, offering_id=offering.id, user_id=user.id, created_at=principal.now()
        )
    )
    await session.flush()
    return to_out(user)


async def remove_group_learner(
    session: AsyncSession, principal: Principal, offering_id: str, group_id: str, email: str
) -> None:
    _offering, group = await _group(session, offering_id, group_id)
    user = await UserRepository(session).find_by_email(email)
    if user is None:
        raise ObjectNotFoundError.of("user", email)
    repo = GroupRepository(session)
    member = await repo.member(group.id, user.id)
    if member is None:
        raise ApiValidationError(f"The user {user.email} is not in the group {group.id}.")
    await repo.delete(member)
    await session.flush()
