"""Queries on channels, their group members and their content (scoped to the organisation by `kit.tenancy`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from openqualify.server.db.models import Membership, User
from openqualify.server.db.models.social import Channel, ChannelComment, ChannelMember, ChannelPost
from openqualify.server.kit.reads import ReadContext, org_scope, registered
from openqualify.server.kit.wire import wire_time
from openqualify.server.memberships.lookup import learner_filter

Moderator = aliased(User, name="moderator")
# The moderator's fields beside a post's or comment's columns (all None when nobody moderated it).
MODERATOR_COLUMNS = (
    Moderator.id.label("moderator_id"),
    Moderator.first_name.label("moderator_first_name"),
    Moderator.last_name.label("moderator_last_name"),
    Moderator.avatar_url.label("moderator_avatar_url"),
)


_CHANNELS_OF = registered(
    select(*Channel.__table__.c)
    .where(Channel.offering_id == bindparam("offering_id"), org_scope(Channel))
    .order_by(Channel.private_support.desc(), Channel.created_at, Channel.id)
)


async def read_channels(ctx: ReadContext, offering_id: str) -> Sequence[Row[Any]]:
    """The offering's channels on the read path: the private-support channel first, then by creation."""
    return await ctx.rows(_CHANNELS_OF, offering_id=offering_id)


def _listed(model: Any) -> list[Any]:
    """A post's or comment's columns for a list: `created_at` as wire text (`kit.wire`)."""
    return [wire_time(column) if column.key == "created_at" else column for column in model.__table__.c]


class ChannelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def in_offering(self, offering_id: str) -> list[Channel]:
        """The private-support channel first, then by creation."""
        rows = await self.session.execute(
            select(Channel)
            .where(Channel.offering_id == offering_id)
            .order_by(Channel.private_support.desc(), Channel.created_at, Channel.id)
        )
        return list(rows.scalars())

    async def get(self, offering_id: str, channel_id: str) -> Channel | None:
        return (
            await self.session.execute(
                select(Channel).where(Channel.id == channel_id, Channel.offering_id == offering_id)
            )
        ).scalar_one_or_none()

    async def private_support(self, offering_id: str) -> Channel | None:
        return (
            await self.session.execute(
                select(Channel).where(Channel.offering_id == offering_id, Channel.private_support.is_(True))
            )
        ).scalar_one_or_none()

    async def member(self, channel_id: str, user_id: str) -> ChannelMember | None:
        return (
            await self.session.execute(
                select(ChannelMember).where(ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id)
            )
        ).scalar_one_or_none()

    async def members(self, channel: Channel) -> Sequence[Row[tuple[User, Membership | None]]]:
        """The channel's learners with their membership of the offering, ordered by e-mail."""
        rows = await self.session.execute(
            select(User, Membership)
            .join(ChannelMember, ChannelMember.user_id == User.id)
            .outerjoin(
                Membership,
                and_(Membership.user_id == User.id, Membership.offering_id == channel.offering_id),
            )
            .where(ChannelMember.channel_id == channel.id)
            .order_by(User.email_key)
        )
        return rows.all()

    async def learner_ids_not_in(self, channel: Channel) -> list[str]:
        """Learners of the channel's offering not yet allocated to it."""
        allocated = select(ChannelMember.user_id).where(ChannelMember.channel_id == channel.id)
        rows = await self.session.execute(
            select(Membership.user_id).where(
                Membership.offering_id == channel.offering_id,
                *learner_filter(),
                Membership.user_id.not_in(allocated),
            )
        )
        return list(rows.scalars())

    async def clear_members(self, channel_id: str) -> None:
        await self.session.execute(delete(ChannelMember).where(ChannelMember.channel_id == channel_id))

    async def posts(self, channel_id: str) -> Sequence[Row[Any]]:
        """Posts' columns with their author's e-mail and the moderator's columns (if any), oldest first."""
        rows = await self.session.execute(
            select(*_listed(ChannelPost), User.email, *MODERATOR_COLUMNS)
            .join(User, User.id == ChannelPost.user_id)
            .outerjoin(Moderator, Moderator.id == ChannelPost.moderator_user_id)
            .where(ChannelPost.channel_id == channel_id)
            .order_by(ChannelPost.created_at, ChannelPost.id)
        )
        return rows.all()

    async def comments(self, channel_id: str, *, replies: bool) -> Sequence[Row[Any]]:
        """Comments on posts (`replies=False`) or replies to comments (`replies=True`), oldest first, as `posts`."""
        parent = ChannelComment.parent_comment_id
        rows = await self.session.execute(
            select(*_listed(ChannelComment), User.email, *MODERATOR_COLUMNS)
            .join(User, User.id == ChannelComment.user_id)
            .outerjoin(Moderator, Moderator.id == ChannelComment.moderator_user_id)
            .where(
                ChannelComment.channel_id == channel_id,
                parent.is_not(None) if replies else parent.is_(None),
            )
            .order_by(ChannelComment.created_at, ChannelComment.id)
        )
        return rows.all()

    async def activity_counts(self, offering_id: str) -> dict[str, tuple[int, int, int]]:
        """Channel id -> (posts, comments, replies) of the offering's channels that have any, counted in SQL."""
        in_offering = Channel.offering_id == offering_id
        posts = await self.session.execute(
            select(ChannelPost.channel_id, func.count(ChannelPost.id))
            .join(Channel, Channel.id == ChannelPost.channel_id)
            .where(in_offering)
            .group_by(ChannelPost.channel_id)
        )
        is_reply = ChannelComment.parent_comment_id.is_not(None)
        comments = await self.session.execute(
            select(ChannelComment.channel_id, is_reply.label("is_reply"), func.count(ChannelComment.id))
            .join(Channel, Channel.id == ChannelComment.channel_id)
            .where(in_offering)
            .group_by(ChannelComment.channel_id, is_reply)
        )
        counts: dict[str, list[int]] = {}
        for channel_id, count in posts:
            counts.setdefault(channel_id, [0, 0, 0])[0] = int(count)
        for channel_id, reply, count in comments:
            counts.setdefault(channel_id, [0, 0, 0])[2 if reply else 1] += int(count)
        return {channel_id: (p, c, r) for channel_id, (p, c, r) in counts.items()}

    def add_all(self, rows: Iterable[object]) -> None:
        self.session.add_all(list(rows))
