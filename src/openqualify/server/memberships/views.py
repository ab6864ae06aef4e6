"""Members as the contract shows them: `OfferingUserResponse` (the offering's list) and `OfferingUser` (marker
lists, group channels' learners), both on the one User → person mapping (`users.schemas.person`)."""

from __future__ import annotations

from openqualify.server.db.models import Membership, User
from openqualify.server.memberships import schemas
from openqualify.server.users.schemas import UserProfileOut, person, person_with_profile


def member_out(
    user: User, membership: Membership, marks: list[str], marked_by: list[str]
) -> schemas.OfferingUserResponseOut:
    return schemas.OfferingUserResponseOut(
        id=user.id,
        **person(user),
        avatarUrl=user.avatar_url,
        profile=UserProfileOut(displayName=user.display_name, mobile=user.mobile),
        isFacilitator=membership.is_facilitator,
        isMarker=membership.is_marker,
        isReadonly=membership.is_readonly,
        marks=marks,
        markedBy=marked_by,
    )


def offering_user_out(user: User, membership: Membership | None) -> schemas.OfferingUserOut:
    """A member as the contract's `OfferingUser` (marker lists, group channels' learners); with no membership (a
    channel's learner who left the offering) every role is false."""
    return schemas.OfferingUserOut(
        **person_with_profile(user),
        isFacilitator=bool(membership and membership.is_facilitator),
        isMarker=bool(membership and membership.is_marker),
        isReadonly=bool(membership and membership.is_readonly),
    )
