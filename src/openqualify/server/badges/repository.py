"""Queries on offering badges and awards (scoped to the bound organisation by `kit.tenancy`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import BadgeAward, OfferingBadge, User


async def offering_badge(session: AsyncSession, offering_id: str) -> OfferingBadge | None:
    return (
        await session.execute(select(OfferingBadge).where(OfferingBadge.offering_id == offering_id))
    ).scalar_one_or_none()


async def award_of(session: AsyncSession, offering_id: str, user_id: str) -> BadgeAward | None:
    return (
        await session.execute(
            select(BadgeAward).where(BadgeAward.offering_id == offering_id, BadgeAward.user_id == user_id)
        )
    ).scalar_one_or_none()


async def user_awards(session: AsyncSession, user_id: str) -> list[tuple[BadgeAward, OfferingBadge]]:
    """The user's awards with their offering's badge, oldest first."""
    statement = (
        select(BadgeAward, OfferingBadge)
        .join(OfferingBadge, OfferingBadge.offering_id == BadgeAward.offering_id)
        .where(BadgeAward.user_id == user_id)
        .order_by(BadgeAward.awarded_at, BadgeAward.id)
    )
    return [(award, badge) for award, badge in await session.execute(statement)]


AwardRow = tuple[datetime, str, str | None, str | None]


async def offering_awards(session: AsyncSession, offering_id: str) -> list[AwardRow]:
    """(awarded at, e-mail, first name, last name) of every award of the offering's badge, oldest first."""
    statement = (
        select(BadgeAward.awarded_at, User.email, User.first_name, User.last_name)
        .join(User, User.id == BadgeAward.user_id)
        .where(BadgeAward.offering_id == offering_id)
        .order_by(BadgeAward.awarded_at, BadgeAward.id)
    )
    return [(at, email, first, last) for at, email, first, last in await session.execute(statement)]
