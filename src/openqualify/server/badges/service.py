"""Badges: an offering's badge (an Open Badges BadgeClass), awarding it to a learner, a user's awarded badges."""

from __future__ import annotations

import calendar
import math
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.badges import schemas
from openqualify.server.badges.repository import BadgeRepository
from openqualify.server.db.models import BadgeAward, OfferingBadge
from openqualify.server.event_hub import emitters as hub
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.errors import MissingInfoError, ObjectNotFoundError
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.timefmt import shift, to_utc
from openqualify.server.memberships.lookup import get_learner
from openqualify.server.offerings.lookup import get_offering
from openqualify.server.users.lookup import get_user

BADGES_BASE_URL = "https://badges.iqualify.com"
NARRATIVE = "Complete every page of the course and pass its mandatory assessed quizzes."
MISSING_BADGE = "The field 'Offering Badge' is missing or invalid."


def class_url(badge: OfferingBadge) -> str:
    return f"{BADGES_BASE_URL}/classes/{badge.id}"


def assertion_url(award: BadgeAward) -> str:
    return f"{BADGES_BASE_URL}/assertions/{award.id}"


def _open_badge(badge: OfferingBadge) -> schemas.OpenBadgeClass:
    return schemas.OpenBadgeClass(
        id=class_url(badge),
        name=badge.title,
        description=badge.description,
        image=f"{class_url(badge)}/image.png",
        issuer=f"{BADGES_BASE_URL}/issuers/{badge.org_id}",
        criteria=schemas.OpenBadgeCriteria(narrative=NARRATIVE),
    )


def add_months(when: datetime, months: int) -> datetime:
    """Calendar months later; the day is clamped to the target month's length (31 Jan + 1 month = 28/29 Feb).
    Past the years `datetime` can hold (a timeframe stored before amounts were bounded) it saturates there."""
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    if not datetime.min.year <= year <= datetime.max.year:
        return shift(when, math.inf if months > 0 else -math.inf)
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def _whole(amount: float) -> int:
    """A stored amount as whole months; an amount too large for an integer (inf) as a very large one."""
    return round(amount) if math.isfinite(amount) else (10**6 if amount > 0 else -(10**6))


def expiry_date(badge: OfferingBadge, awarded_at: datetime) -> datetime | None:
    """When an award expires: the badge's date, or the timeframe after the award; None if it never does."""
    if not badge.expires:
        return None
    if badge.expiry_type == "date":
        return badge.expiration_date
    if badge.expiry_type == "timeframe" and badge.timeframe_amount is not None:
        amount = float(badge.timeframe_amount)
        if math.isnan(amount):
            return None
        awarded_at = to_utc(awarded_at)
        if badge.timeframe_unit == "months":
            return add_months(awarded_at, _whole(amount))
        if badge.timeframe_unit == "years":
            return add_months(awarded_at, 12 * _whole(amount))
        return shift(awarded_at, amount * 86_400)
    return None


async def offering_badge(session: AsyncSession, offering_id: str) -> schemas.BadgeOut:
    offering = await get_offering(session, offering_id)
    badge = await BadgeRepository(session).offering_badge(offering.id)
    if badge is None:
        raise ObjectNotFoundError(f"The badge of the offering {offering.id} was not found.")
    return schemas.BadgeOut(
        title=badge.title,
        description=badge.description,
        badgeUrl=class_url(badge),
        criterias=schemas.Criteria(),
        openBadge=_open_badge(badge),
        badgeExpiry=schemas.BadgeExpiryOut(
            expires=badge.expires,
            expiryType=badge.expiry_type if badge.expires else None,
            expirationDate=badge.expiration_date if badge.expires else None,
            timeframeAmount=badge.timeframe_amount if badge.expires else None,
            timeframeUnit=badge.timeframe_unit if badge.expires else None,
        ),
    )


async def award(session: AsyncSession, principal: Principal, offering_id: str, email: str) -> schemas.AwardedOut:
    """Award the offering's badge to a learner ("award anyway"); awarding again answers the same award."""
    offering = await get_offering(session, offering_id)
    user, _ = await get_learner(session, offering, email)
    repo = BadgeRepository(session)
    if await repo.offering_badge(offering.id) is None:
        raise MissingInfoError(MISSING_BADGE)
    found = await repo.award_of(offering.id, user.id)
    if found is None:
        found = BadgeAward(id=push_id(), offering_id=offering.id, user_id=user.id, awarded_at=principal.now())
        if not await repo.add_award(found):  # awarded by a concurrent request meanwhile
            found = await repo.award_of(offering.id, user.id)
            assert found is not None
        else:
            await hub.badge_awarded(session, offering, user, found, assertion_url(found))
    return schemas.AwardedOut(awarded=True, badgeId=found.id, badgeUrl=assertion_url(found))


async def user_badges(session: AsyncSession, email: str) -> list[schemas.UserBadgeOut]:
    user = await get_user(session, email)
    out = []
    for award_row, badge in await BadgeRepository(session).user_awards(user.id):
        expires_at = expiry_date(badge, award_row.awarded_at)
        out.append(
            schemas.UserBadgeOut(
                offeringId=award_row.offering_id,
                title=badge.title,
                description=badge.description,
                badgeUrl=assertion_url(award_row),
                awardedAt=award_row.awarded_at,
                badgeExpiry=schemas.UserBadgeExpiry(expires=expires_at is not None, expirationDate=expires_at),
                criterias=schemas.Criteria(),
                openBadge=_open_badge(badge),
            )
        )
    return out
