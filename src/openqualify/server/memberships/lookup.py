"""Who is in an offering: shared by every resource that needs a member, a learner or a marker."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import Membership, Offering, User
from openqualify.server.kit.errors import ObjectNotFoundError, UserNotInOfferingError
from openqualify.server.memberships.repository import MembershipRepository
from openqualify.server.users.lookup import get_user


async def get_member(session: AsyncSession, offering: Offering, email: str) -> tuple[User, Membership]:
    """A member in any role, or 404 for the user (unknown user, or not in this offering)."""
    found = await MembershipRepository(session).find_member(offering.id, email)
    if found is None:
        raise ObjectNotFoundError.of("user", email)
    return found


async def get_learner(session: AsyncSession, offering: Offering, email: str) -> tuple[User, Membership]:
    """A learner of the offering: 404 for an unknown user, UserNotInOfferingError for a non-learner."""
    user = await get_user(session, email)
    membership = await MembershipRepository(session).membership(offering.id, user.id)
    if membership is None or not membership.is_learner:
        raise UserNotInOfferingError(f"The user {user.email} is not a learner in the offering {offering.id}.")
    return user, membership
