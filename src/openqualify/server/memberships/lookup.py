"""Who is in an offering: shared by every resource that needs a member, a learner or a marker."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import Membership, Offering, User
from openqualify.server.kit.errors import ObjectNotFoundError, UserNotInOfferingError
from openqualify.server.users.repository import email_key


async def find_member(session: AsyncSession, offering_id: str, email: str) -> tuple[User, Membership] | None:
    row = (
        await session.execute(
            select(User, Membership)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.offering_id == offering_id, User.email_key == email_key(email))
        )
    ).first()
    return (row[0], row[1]) if row else None


async def get_member(session: AsyncSession, offering: Offering, email: str) -> tuple[User, Membership]:
    """A member in any role, or 404 for the user (unknown user, or not in this offering)."""
    found = await find_member(session, offering.id, email)
    if found is None:
        raise ObjectNotFoundError.of("user", email)
    return found


async def get_learner(session: AsyncSession, offering: Offering, email: str) -> tuple[User, Membership]:
    """A learner of the offering: 404 for an unknown user, UserNotInOfferingError for a non-learner."""
    user = (await session.execute(select(User).where(User.email_key == email_key(email)))).scalar_one_or_none()
    if user is None:
        raise ObjectNotFoundError.of("user", email)
    membership = (
        await session.execute(
            select(Membership).where(Membership.offering_id == offering.id, Membership.user_id == user.id)
        )
    ).scalar_one_or_none()
    if membership is None or not membership.is_learner:
        raise UserNotInOfferingError(f"The user {user.email} is not a learner in the offering {offering.id}.")
    return user, membership


def learner_filter() -> tuple[object, ...]:
    """WHERE clauses selecting learners (neither facilitator nor marker)."""
    return (Membership.is_facilitator.is_(False), Membership.is_marker.is_(False))


async def learners(session: AsyncSession, offering_id: str) -> list[tuple[User, Membership]]:
    """The offering's learners, ordered by e-mail."""
    rows = await session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.offering_id == offering_id, *learner_filter())
        .order_by(User.email_key)
    )
    return [(user, membership) for user, membership in rows.all()]
