"""Queries on course mappings (scoped to the bound organisation by `kit.tenancy`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import CourseMapping


class CourseMappingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> list[CourseMapping]:
        rows = await self.session.execute(
            select(CourseMapping).order_by(CourseMapping.created_at, CourseMapping.offering_id)
        )
        return list(rows.scalars())

    async def of_offering(self, offering_id: str) -> CourseMapping | None:
        return (
            await self.session.execute(select(CourseMapping).where(CourseMapping.offering_id == offering_id))
        ).scalar_one_or_none()

    async def offering_ids(self, external_course_id: str) -> list[str]:
        rows = await self.session.execute(
            select(CourseMapping.offering_id)
            .where(CourseMapping.external_course_id == external_course_id)
            .order_by(CourseMapping.created_at, CourseMapping.offering_id)
        )
        return list(rows.scalars())

    def add(self, mapping: CourseMapping) -> None:
        self.session.add(mapping)

    async def delete(self, mapping: CourseMapping) -> None:
        await self.session.delete(mapping)
