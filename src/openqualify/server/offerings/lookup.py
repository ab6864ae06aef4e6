"""Finding an offering of the bound organisation: used by every resource under `/offerings/{offeringId}`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import Offering
from openqualify.server.kit.errors import ObjectNotFoundError
from openqualify.server.kit.reads import ReadContext, org_scope, registered

_BY_ID = select(Offering).where(Offering.id == bindparam("offering_id"))  # built once: every /offerings/{id}/...


async def find_offering(session: AsyncSession, offering_id: str) -> Offering | None:
    return (await session.execute(_BY_ID, {"offering_id": offering_id})).scalar_one_or_none()


_ROW_BY_ID = registered(
    select(*Offering.__table__.c).where(Offering.id == bindparam("offering_id"), org_scope(Offering))
)


async def read_offering(ctx: ReadContext, offering_id: str) -> Row[Any]:
    """On the read path: the offering's row (its columns, as attributes), or 404 as `get_offering` answers."""
    row = await ctx.first(_ROW_BY_ID, offering_id=offering_id)
    if row is None:
        raise ObjectNotFoundError.of("offering", offering_id)
    return row


async def get_offering(session: AsyncSession, offering_id: str) -> Offering:
    """The offering, or 404 `The offering X was not found.` (also for another organisation's ids)."""
    offering = await find_offering(session, offering_id)
    if offering is None:
        raise ObjectNotFoundError.of("offering", offering_id)
    return offering
