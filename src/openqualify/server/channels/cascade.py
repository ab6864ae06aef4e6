"""How channels and assessment groups follow membership changes (called by the memberships service).

Allocations to group channels and assessment groups belong to learners of the offering: they go when the
member goes. Posts and comments stay (they are the channel's history).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.channels.repository import ChannelRepository
from openqualify.server.channels.service import add_auto_assigned
from openqualify.server.groups.repository import GroupRepository
from openqualify.server.kit.clock import system_now


async def _drop_allocations(session: AsyncSession, offering_id: str, user_id: str) -> None:
    await ChannelRepository(session).drop_allocations(offering_id, user_id)
    await GroupRepository(session).drop_allocations(offering_id, user_id)


async def on_member_removed(session: AsyncSession, offering_id: str, user_id: str) -> None:
    """A member left the offering: out of its group channels and assessment groups."""
    await _drop_allocations(session, offering_id, user_id)


async def on_learner_transferred(
    session: AsyncSession, user_id: str, from_offering_id: str, to_offering_id: str
) -> None:
    """A learner moved to another offering: groups and group channels of the source are dropped, not moved."""
    await _drop_allocations(session, from_offering_id, user_id)
    await on_learners_added(session, to_offering_id, [user_id])


async def on_learners_added(session: AsyncSession, offering_id: str, user_ids: Iterable[str]) -> None:
    """New learners join the offering's auto-assign group channels."""
    await add_auto_assigned(session, offering_id, user_ids, system_now())
