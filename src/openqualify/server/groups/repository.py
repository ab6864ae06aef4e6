"""Queries on assessment groups and their learners (scoped to the organisation by `kit.tenancy`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import User
from openqualify.server.db.models.social import AssessmentGroup, AssessmentGroupMember


class GroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def in_offering(self, offering_id: str) -> list[AssessmentGroup]:
        rows = await self.session.execute(
            select(AssessmentGroup)
            .where(AssessmentGroup.offering_id == offering_id)
            .order_by(AssessmentGroup.created_at, AssessmentGroup.id)
        )
        return list(rows.scalars())

    async def get(self, offering_id: str, group_id: str) -> AssessmentGroup | None:
        return (
            await self.session.execute(
                select(AssessmentGroup).where(
                    AssessmentGroup.id == group_id.lower(), AssessmentGroup.offering_id == offering_id
                )
            )
        ).scalar_one_or_none()

    async def learners(self, group_id: str) -> list[User]:
        """The group's learners, ordered by e-mail."""
        rows = await self.session.execute(
            select(User)
            .join(AssessmentGroupMember, AssessmentGroupMember.user_id == User.id)
            .where(AssessmentGroupMember.group_id == group_id)
            .order_by(User.email_key)
        )
        return list(rows.scalars())

    async def member(self, group_id: str, user_id: str) -> AssessmentGroupMember | None:
        return (
            await self.session.execute(
                select(AssessmentGroupMember).where(
                    AssessmentGroupMember.group_id == group_id, AssessmentGroupMember.user_id == user_id
                )
            )
        ).scalar_one_or_none()

    def add(self, row: AssessmentGroup | AssessmentGroupMember) -> None:
        self.session.add(row)
