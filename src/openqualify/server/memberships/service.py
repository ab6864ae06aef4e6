"""Offering members: listing, removal, marker (coach) lists, transfers and a user's own offerings.

Bulk adding lives in `bulk.py`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.assessments import cascade as assessments_cascade
from openqualify.server.channels import cascade as channels_cascade
from openqualify.server.db.models import MarkerAssignment, Membership, Offering, User
from openqualify.server.event_hub import emitters as hub
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.errors import (
    ContentDoNotMatchError,
    InvalidSourceAndTargetError,
    MissingInfoError,
    ObjectIsNotError,
    ObjectNotFoundError,
)
from openqualify.server.kit.ids import push_id
from openqualify.server.memberships import schemas
from openqualify.server.memberships.bulk import already_member_error
from openqualify.server.memberships.lookup import get_member
from openqualify.server.memberships.repository import MembershipRepository
from openqualify.server.memberships.views import member_out, offering_user_out
from openqualify.server.offerings.lookup import get_offering
from openqualify.server.offerings.schemas import OfferingOut
from openqualify.server.offerings.views import offerings_out
from openqualify.server.progress import cascade as progress_cascade
from openqualify.server.users.lookup import get_user
from openqualify.server.users.repository import UserRepository, email_key
from openqualify.server.users.service import send_email, suspended_error

CASCADES = (assessments_cascade, channels_cascade, progress_cascade)


# --- listing and removal ------------------------------------------------------------------------------


async def list_members(
    session: AsyncSession, offering_id: str, *, facilitators: bool, learners: bool, markers: bool
) -> list[schemas.OfferingUserResponseOut]:
    """Members in any of the asked roles, with their marker links: two queries whatever the size."""
    await get_offering(session, offering_id)
    repo = MembershipRepository(session)
    members = await repo.members(offering_id)
    emails = {user.id: user.email for user, _ in members}
    marks: dict[str, list[str]] = defaultdict(list)
    marked_by: dict[str, list[str]] = defaultdict(list)
    for marker_id, learner_id in await repo.assignment_pairs(offering_id):
        if marker_id in emails and learner_id in emails:
            marks[marker_id].append(emails[learner_id])
            marked_by[learner_id].append(emails[marker_id])
    out = []
    for user, membership in members:
        wanted = (
            (facilitators and membership.is_facilitator)
            or (markers and membership.is_marker)
            or (learners and membership.is_learner)
        )
        if wanted:
            out.append(member_out(user, membership, sorted(marks[user.id]), sorted(marked_by[user.id])))
    return out


async def remove_member(session: AsyncSession, offering_id: str, email: str) -> None:
    offering = await get_offering(session, offering_id)
    user, membership = await get_member(session, offering, email)
    await hub.member_removed(session, offering, user, membership)
    repo = MembershipRepository(session)
    await repo.drop_marker_links(offering.id, user.id)
    for cascade in CASCADES:
        await cascade.on_member_removed(session, offering.id, user.id)
    await repo.delete(membership)
    await session.flush()


# --- marker (coach) lists -------------------------------------------------------------------------------


def _require_marker(user: User, membership: Membership) -> None:
    if not membership.is_marker:
        raise ObjectIsNotError(f"The user {user.email} is not a marker.")


async def _marked(session: AsyncSession, offering_id: str, marker_id: str) -> list[schemas.OfferingUserOut]:
    rows = await MembershipRepository(session).marked_learners(offering_id, marker_id)
    return [offering_user_out(user, membership) for user, membership in rows]


async def marked_learners(session: AsyncSession, offering_id: str, marker_email: str) -> list[schemas.OfferingUserOut]:
    """A member who is not a marker marks nobody: an empty list."""
    offering = await get_offering(session, offering_id)
    marker, _ = await get_member(session, offering, marker_email)
    return await _marked(session, offering.id, marker.id)


async def assign_learners(
    session: AsyncSession, principal: Principal, offering_id: str, marker_email: str, learner_emails: Sequence[str]
) -> list[schemas.OfferingUserOut]:
    """Set union: learners already on the list stay, new ones join. Every listed e-mail must be a learner."""
    offering = await get_offering(session, offering_id)
    marker, marker_membership = await get_member(session, offering, marker_email)
    _require_marker(marker, marker_membership)
    repo = MembershipRepository(session)
    users = await UserRepository(session).find_by_emails(learner_emails)
    memberships = await repo.memberships_of(offering.id, [u.id for u in users.values()])
    wanted: list[str] = []
    for email in learner_emails:
        user = users.get(email_key(email))
        membership = memberships.get(user.id) if user else None
        if user is None or membership is None or not membership.is_learner:
            raise ObjectIsNotError(f"The user {user.email if user else email} is not a learner.")
        if user.id not in wanted:
            wanted.append(user.id)
    current = await repo.marked_learner_ids(offering.id, marker.id)
    now = principal.now()
    repo.add_all(
        MarkerAssignment(
            id=push_id(), offering_id=offering.id, marker_user_id=marker.id, learner_user_id=learner_id, created_at=now
        )
        for learner_id in wanted
        if learner_id not in current
    )
    await session.flush()
    return await _marked(session, offering.id, marker.id)


async def unassign_learners(
    session: AsyncSession, offering_id: str, marker_email: str, learner_emails: Sequence[str]
) -> list[schemas.OfferingUserOut]:
    """E-mails not on the marker's list are ignored."""
    offering = await get_offering(session, offering_id)
    marker, marker_membership = await get_member(session, offering, marker_email)
    _require_marker(marker, marker_membership)
    users = await UserRepository(session).find_by_emails(learner_emails)
    if users:
        await MembershipRepository(session).unassign(offering.id, marker.id, [u.id for u in users.values()])
        await session.flush()
    return await _marked(session, offering.id, marker.id)


# --- transfer -----------------------------------------------------------------------------------------


async def transfer(session: AsyncSession, principal: Principal, email: str, body: schemas.TransferRequest) -> None:
    """Move a member (role flags, own start date, learning data) to another offering of the same content."""
    source_id, target_id = body.fromOfferingId, body.toOfferingId
    if source_id == target_id:
        raise InvalidSourceAndTargetError("Source and target offerings cannot be the same.")
    user = await get_user(session, email)
    source = await get_offering(session, source_id)
    target = await get_offering(session, target_id)
    repo = MembershipRepository(session)
    membership = await repo.membership(source.id, user.id)
    if membership is None:
        raise ObjectNotFoundError(f"The user {user.email} was not found in the offering {source.id}.")
    if source.content_id != target.content_id:
        raise ContentDoNotMatchError("contentId needs to be the same in order to perform the requested operation.")
    if await repo.membership(target.id, user.id) is not None:
        raise already_member_error(user.email, target.id)
    await repo.drop_marker_links(source.id, user.id)
    membership.offering_id = target.id
    await session.flush()
    for cascade in CASCADES:
        await cascade.on_learner_transferred(session, user.id, source.id, target.id)
    await hub.member_transferred(session, user, membership, source, target)
    if body.sendInvite:
        subject = f"You have been moved to {target.name}"
        send_email(UserRepository(session), user, "transfer", subject, principal.now(), target.id)
    await session.flush()


# --- a user's offerings --------------------------------------------------------------------------------


async def user_offerings(session: AsyncSession, email: str) -> list[OfferingOut]:
    user = await get_user(session, email)
    return await _offerings_of(session, user)


async def _offerings_of(session: AsyncSession, user: User) -> list[OfferingOut]:
    """The user's offerings in any role, as `OfferingMetadataResponse`, ordered by start then id."""
    return await offerings_out(session, Offering.id.in_(MembershipRepository.offering_ids_of_user_query(user.id)))


async def enrol_in_offerings(
    session: AsyncSession, principal: Principal, email: str, offering_ids: Sequence[str]
) -> list[OfferingOut]:
    """Enrol as a learner in each offering (all ids checked first); existing memberships are left as they are."""
    if not offering_ids:
        raise MissingInfoError("The field 'offeringIds' is missing or invalid.")
    user = await get_user(session, email)
    repo = MembershipRepository(session)
    wanted = list(dict.fromkeys(offering_ids))
    offerings = await repo.offerings_by_ids(wanted)
    for offering_id in wanted:
        if offering_id not in offerings:
            raise ObjectNotFoundError.of("offering", offering_id)
    current = await repo.offering_ids_of_user(user.id)
    new_ids = [offering_id for offering_id in wanted if offering_id not in current]
    if new_ids and user.suspended:
        raise suspended_error(user)
    now = principal.now()
    repo.add_all(
        Membership(
            id=push_id(),
            offering_id=offering_id,
            user_id=user.id,
            is_facilitator=False,
            is_marker=False,
            is_readonly=False,
            start_date=None,
            last_logged_in_at=None,
            created_at=now,
        )
        for offering_id in new_ids
    )
    users_repo = UserRepository(session)
    for offering_id in new_ids:
        subject = f"You have been added to {offerings[offering_id].name}"
        send_email(users_repo, user, "offering-notification", subject, now, offering_id)
    await session.flush()
    for offering_id in new_ids:
        await channels_cascade.on_learners_added(session, offering_id, [user.id])
        await hub.members_added(session, offerings[offering_id], [(user.id, False, False, False)])
    return await _offerings_of(session, user)
