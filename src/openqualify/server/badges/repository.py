"""Queries on offering badges and awards (scoped to the bound organisation by `kit.tenancy`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from openqualify.server.db.models import BadgeAward, OfferingBadge, User
from openqualify.server.kit.repository import Repository

AwardRow = tuple[datetime, str, str | None, str | None]


class BadgeRepository(Repository):
    async def offering_badge(self, offering_id: str) -> OfferingBadge | None:
        return await self.one_or_none(select(OfferingBadge).where(OfferingBadge.offering_id == offering_id))

    async def award_of(self, offering_id: str, user_id: str) -> BadgeAward | None:
        return await self.one_or_none(
            select(BadgeAward).where(BadgeAward.offering_id == offering_id, BadgeAward.user_id == user_id)
        )

    async def user_awards(self, user_id: str) -> list[tuple[BadgeAward, OfferingBadge]]:
        """The user's awards with their offering's badge, oldest first."""
        statement = (
            select(BadgeAward, OfferingBadge)
            .join(OfferingBadge, OfferingBadge.offering_id == BadgeAward.offering_id)
            .where(BadgeAward.user_id == user_id)
            .order_by(BadgeAward.awarded_at, BadgeAward.id)
        )
        return [(award, badge) for award, badge in await self.session.execute(statement)]

    async def offering_awards(self, offering_id: str) -> list[AwardRow]:
        """(awarded at, e-mail, first name, last name) of every award of the offering's badge, oldest first."""
        statement = (
            select(BadgeAward.awarded_at, User.email, User.first_name, User.last_name)
            .join(User, User.id == BadgeAward.user_id)
            .where(BadgeAward.offering_id == offering_id)
            .order_by(BadgeAward.awarded_at, BadgeAward.id)
        )
        return [(at, email, first, last) for at, email, first, last in await self.session.execute(statement)]

    async def add_award(self, award: BadgeAward) -> bool:
        """Store a new award in a savepoint; False when a concurrent request awarded the same badge meanwhile."""
        try:
            async with self.session.begin_nested():
                self.add(award)
        except IntegrityError:
            return False
        return True

    async def move_award(self, user_id: str, from_offering_id: str, to_offering_id: str) -> None:
        """The user's award follows them to the target offering, when that offering has a badge and they hold
        no award of it yet."""
        target_badge = await self.one_or_none(
            select(OfferingBadge.id).where(OfferingBadge.offering_id == to_offering_id)
        )
        already = await self.one_or_none(
            select(BadgeAward.id).where(BadgeAward.offering_id == to_offering_id, BadgeAward.user_id == user_id)
        )
        if target_badge is not None and already is None:
            await self.execute(
                update(BadgeAward)
                .where(BadgeAward.offering_id == from_offering_id, BadgeAward.user_id == user_id)
                .values(offering_id=to_offering_id)
            )
