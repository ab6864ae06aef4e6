"""Course mappings: an offering linked to at most one external course id; an external id may name several
offerings (DOMAIN §4 #7, #30)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.course_mappings.repository import CourseMappingRepository
from openqualify.server.db.models import CourseMapping
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.errors import ObjectNotFoundError
from openqualify.server.offerings.lookup import get_offering


async def all_mappings(session: AsyncSession) -> dict[str, str]:
    return {m.offering_id: m.external_course_id for m in await CourseMappingRepository(session).all()}


async def offerings_of(session: AsyncSession, external_course_id: str) -> list[str]:
    found = await CourseMappingRepository(session).offering_ids(external_course_id)
    if not found:
        raise ObjectNotFoundError.of("external course", external_course_id)
    return found


async def external_ids_of(session: AsyncSession, offering_id: str) -> list[str]:
    offering = await get_offering(session, offering_id)
    mapping = await CourseMappingRepository(session).of_offering(offering.id)
    return [mapping.external_course_id] if mapping else []


async def put_mapping(
    session: AsyncSession, principal: Principal, offering_id: str, external_course_id: str
) -> list[str]:
    """Map the offering to `external_course_id`, replacing any previous mapping; idempotent."""
    offering = await get_offering(session, offering_id)
    repo = CourseMappingRepository(session)
    mapping = await repo.of_offering(offering.id)
    if mapping is None:
        repo.add(
            CourseMapping(
                offering_id=offering.id, external_course_id=external_course_id, created_at=principal.now()
            )
        )
    elif mapping.external_course_id != external_course_id:
        mapping.external_course_id = external_course_id
        mapping.created_at = principal.now()
    await session.flush()
    return [external_course_id]


async def delete_mapping(
    session: AsyncSession, principal: Principal, offering_id: str, external_course_id: str
) -> list[str]:
    offering = await get_offering(session, offering_id)
    repo = CourseMappingRepository(session)
    mapping = await repo.of_offering(offering.id)
    if mapping is None or mapping.external_course_id != external_course_id:
        raise ObjectNotFoundError(
            f"The course mapping {external_course_id} was not found in the offering {offering.id}."
        )
    await repo.delete(mapping)
    await session.flush()
    return []
