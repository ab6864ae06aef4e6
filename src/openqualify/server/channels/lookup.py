"""Finding a channel of an offering or answering 404 `The channel X was not found.`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.channels import repository
from openqualify.server.channels.repository import ChannelRepository
from openqualify.server.db.models import Offering
from openqualify.server.db.models.social import Channel
from openqualify.server.kit.errors import ObjectNotFoundError
from openqualify.server.kit.reads import ReadContext
from openqualify.server.offerings.lookup import get_offering_row


async def get_channel(session: AsyncSession, offering: Offering, channel_id: str) -> Channel:
    """The offering's channel, or 404 (also for a channel of another offering)."""
    channel = await ChannelRepository(session).find(offering.id, channel_id)
    if channel is None:
        raise ObjectNotFoundError.of("channel", channel_id)
    return channel


async def get_channel_id(ctx: ReadContext, offering_id: str, channel_id: str) -> str:
    """On the read path: the id of the offering's channel, or 404 (the offering's first)."""
    offering = await get_offering_row(ctx, offering_id)
    found = await repository.read_channel_id(ctx, offering.id, channel_id)
    if found is None:
        raise ObjectNotFoundError.of("channel", channel_id)
    return found
