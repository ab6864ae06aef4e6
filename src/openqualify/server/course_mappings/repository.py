"""Queries on course mappings (scoped to the bound organisation by `kit.tenancy`)."""

from __future__ import annotations

from sqlalchemy import select

from openqualify.server.db.models import CourseMapping
from openqualify.server.kit.repository import Repository


class CourseMappingRepository(Repository):
    async def all(self) -> list[CourseMapping]:
        return await self.scalars(select(CourseMapping).order_by(CourseMapping.created_at, CourseMapping.offering_id))

    async def of_offering(self, offering_id: str) -> CourseMapping | None:
        """In a unit of work, locked until it ends (F1): of two deletions at once, the second finds none."""
        statement = select(CourseMapping).where(CourseMapping.offering_id == offering_id)
        return await self.one_or_none(await self.for_change(statement))

    async def offering_ids(self, external_course_id: str) -> list[str]:
        return await self.scalars(
            select(CourseMapping.offering_id)
            .where(CourseMapping.external_course_id == external_course_id)
            .order_by(CourseMapping.created_at, CourseMapping.offering_id)
        )
