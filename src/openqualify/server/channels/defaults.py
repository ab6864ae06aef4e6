"""The channels an offering starts with when it is created with `createDefaultChannels: true`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.channels.repository import ChannelRepository
from openqualify.server.channels.service import new_channel
from openqualify.server.db.models import Offering

GENERAL_TITLE = "General"
SUPPORT_TITLE = "Facilitator support"


async def create_default_channels(session: AsyncSession, offering: Offering, now: datetime) -> None:
    """One full-access "General" channel and one private-support "Facilitator support" channel."""
    repo = ChannelRepository(session)
    await repo.flush()  # the offering row first: the channels refer to it
    repo.add_all(
        [
            new_channel(offering.id, GENERAL_TITLE, now),
            new_channel(offering.id, SUPPORT_TITLE, now, private_support=True),
        ]
    )
    await repo.flush()
