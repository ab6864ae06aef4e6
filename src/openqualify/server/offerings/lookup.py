"""Finding an offering of the bound organisation: used by every resource under `/offerings/{offeringId}`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import Offering
from openqualify.server.kit.errors import ObjectNotFoundError


async def find_offering(session: AsyncSession, offering_id: str) -> Offering | None:
    return (await session.execute(select(Offering).where(Offering.id == offering_id))).scalar_one_or_none()


async def get_offering(session: AsyncSession, offering_id: str) -> Offering:
    """The offering, or 404 `The offering X was not found.` (also for another organisation's ids)."""
    offering = await find_offering(session, offering_id)
    if offering is None:
        raise ObjectNotFoundError.of("offering", offering_id)
    return offering
