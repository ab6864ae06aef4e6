"""Finding an offering of the bound organisation: used by every resource under `/offerings/{offeringId}`."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import Offering
from openqualify.server.kit.errors import ObjectNotFoundError
from openqualify.server.kit.reads import AnyRow, ReadContext
from openqualify.server.offerings.repository import OfferingRepository, read_offering_row

T = TypeVar("T")


def found_in_offering(found: T | None, offering_id: str) -> T:
    """What a read of the offering (or of its rows) found, or 404 `The offering X was not found.` when the
    organisation has no such offering (also for another organisation's ids)."""
    if found is None:
        raise ObjectNotFoundError.of("offering", offering_id)
    return found


async def get_offering_row(ctx: ReadContext, offering_id: str) -> AnyRow:
    """On the read path: the offering's row (its columns, as attributes), or 404."""
    return found_in_offering(await read_offering_row(ctx, offering_id), offering_id)


async def get_offering(session: AsyncSession, offering_id: str) -> Offering:
    """The offering, or 404 (`found_in_offering`)."""
    return found_in_offering(await OfferingRepository(session).find(offering_id), offering_id)


async def get_offering_with_course(session: AsyncSession, offering_id: str) -> tuple[Offering, AnyRow]:
    """The offering and its course's `id`, `name` and `tags` (one statement), or 404."""
    return found_in_offering(await OfferingRepository(session).find_with_course(offering_id), offering_id)
