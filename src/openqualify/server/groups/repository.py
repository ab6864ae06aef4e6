"""Queries on assessment groups and their learners (scoped to the organisation by `kit.tenancy`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select

from openqualify.server.db.models import User
from openqualify.server.db.models.social import AssessmentGroup, AssessmentGroupMember
from openqualify.server.kit.reads import AnyRow, ReadContext
from openqualify.server.kit.repository import Repository
from openqualify.server.offerings.repository import read_rows_in_offering, rows_in_offering

_GROUPS_OF = rows_in_offering(AssessmentGroup.__table__, AssessmentGroup.created_at, AssessmentGroup.id)


async def read_groups(ctx: ReadContext, offering_id: str) -> Sequence[AnyRow] | None:
    """The offering's groups on the read path, by creation (None when the organisation has no such offering)."""
    return await read_rows_in_offering(ctx, _GROUPS_OF, offering_id)


class GroupRepository(Repository):
    async def in_offering(self, offering_id: str) -> list[AssessmentGroup]:
        return await self.scalars(
            select(AssessmentGroup)
            .where(AssessmentGroup.offering_id == offering_id)
            .order_by(AssessmentGroup.created_at, AssessmentGroup.id)
        )

    async def find(self, offering_id: str, group_id: str) -> AssessmentGroup | None:
        return await self.one_or_none(
            select(AssessmentGroup).where(
                AssessmentGroup.id == group_id.lower(), AssessmentGroup.offering_id == offering_id
            )
        )

    async def learners(self, group_id: str) -> list[User]:
        """The group's learners, ordered by e-mail."""
        return await self.scalars(
            select(User)
            .join(AssessmentGroupMember, AssessmentGroupMember.user_id == User.id)
            .where(AssessmentGroupMember.group_id == group_id)
            .order_by(User.email_key)
        )

    async def member(self, group_id: str, user_id: str) -> AssessmentGroupMember | None:
        """In a unit of work, locked until it ends (F1): of two removals at once, the second finds nobody."""
        statement = select(AssessmentGroupMember).where(
            AssessmentGroupMember.group_id == group_id, AssessmentGroupMember.user_id == user_id
        )
        return await self.one_or_none(await self.for_change(statement))

    async def drop_allocations(self, offering_id: str, user_id: str) -> None:
        """The user's places in the offering's assessment groups."""
        await self.execute(
            delete(AssessmentGroupMember).where(
                AssessmentGroupMember.offering_id == offering_id, AssessmentGroupMember.user_id == user_id
            )
        )
