"""Queries on channels, their group members and their content (scoped to the organisation by `kit.tenancy`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, func, select
from sqlalchemy.orm import aliased

from openqualify.server.db.models import Membership, User
from openqualify.server.db.models.social import Channel, ChannelComment, ChannelMember, ChannelPost
from openqualify.server.kit.json_rows import wire_time
from openqualify.server.kit.reads import TENANT, AnyRow, ReadContext, Reads, org_scope, registered
from openqualify.server.kit.repository import Repository
from openqualify.server.memberships.repository import learner_filter
from openqualify.server.offerings.repository import read_rows_in_offering, rows_in_offering

Moderator = aliased(User, name="moderator")
# The moderator's fields beside a post's or comment's columns (all None when nobody moderated it).
MODERATOR_COLUMNS = (
    Moderator.id.label("moderator_id"),
    Moderator.first_name.label("moderator_first_name"),
    Moderator.last_name.label("moderator_last_name"),
    Moderator.avatar_url.label("moderator_avatar_url"),
)


_CHANNELS_OF = rows_in_offering(
    Channel.__table__, Channel.private_support.desc(), Channel.created_at, Channel.id
)


async def read_channels(ctx: Reads, offering_id: str) -> Sequence[AnyRow] | None:
    """The offering's channels on the read path: the private-support channel first, then by creation (None when
    the organisation has no such offering)."""
    return await read_rows_in_offering(ctx, _CHANNELS_OF, offering_id)


_CHANNEL_OF_OFFERING = registered(
    select(*Channel.__table__.c).where(
        Channel.id == bindparam("channel_id"), Channel.offering_id == bindparam("offering_id"), org_scope(Channel)
    )
)


async def read_channel_id(ctx: Reads, offering_id: str, channel_id: str) -> str | None:
    """The channel's id if it is one of the offering's."""
    row = await ctx.first(_CHANNEL_OF_OFFERING, offering_id=offering_id, channel_id=channel_id)
    return None if row is None else str(row.id)


def _content_statement(model: Any, *, replies: bool | None) -> Any:
    """Posts (`replies=None`), comments on posts or replies to comments of a channel, oldest first: the wire
    columns in wire order (`POST_COLUMNS` / `COMMENT_COLUMNS`), then moderation's and the moderator's."""
    wire = [model.id, model.title] if model is ChannelPost else [model.id, model.post_id, model.parent_comment_id]
    if model is ChannelPost:
        wire += [model.content, User.email, wire_time(model.created_at), model.is_facilitator_post, model.attachments]
    else:
        wire += [model.content, User.email, wire_time(model.created_at), model.is_facilitator_post]
    conditions = [model.channel_id == bindparam("channel_id"), org_scope(model)]
    if replies is not None:
        parent = model.parent_comment_id
        # Comments as `coalesce(parent, '') = ''`, not `parent IS NULL`: SQLite's statistics count the NULLs of
        # the parent index as small groups and chose it, scanning every top-level comment of the organisation;
        # the test must not be an index probe, so that the channel's index drives the query.
        conditions.append(parent.is_not(None) if replies else func.coalesce(parent, "") == "")
    return registered(
        select(*wire, model.moderated, model.is_muted, model.moderation_reason, *MODERATOR_COLUMNS)
        .select_from(model)
        .join(User, and_(User.id == model.user_id, org_scope(User)))
        .outerjoin(Moderator, and_(Moderator.id == model.moderator_user_id, Moderator.org_id == TENANT))
        .where(*conditions)
        .order_by(model.created_at, model.id)
    )


_POSTS = _content_statement(ChannelPost, replies=None)
_COMMENTS = _content_statement(ChannelComment, replies=False)
_REPLIES = _content_statement(ChannelComment, replies=True)


async def read_posts(ctx: ReadContext, channel_id: str) -> Sequence[Any]:
    return await ctx.rows(_POSTS, channel_id=channel_id)


async def read_comments(ctx: ReadContext, channel_id: str, *, replies: bool) -> Sequence[Any]:
    return await ctx.rows(_REPLIES if replies else _COMMENTS, channel_id=channel_id)


class ChannelRepository(Repository):
    async def find(self, offering_id: str, channel_id: str) -> Channel | None:
        """The offering's channel as an entity (`read_channel_id`'s statement)."""
        return await self.entity(Channel, _CHANNEL_OF_OFFERING, offering_id=offering_id, channel_id=channel_id)

    async def private_support(self, offering_id: str) -> Channel | None:
        return await self.one_or_none(
            select(Channel).where(Channel.offering_id == offering_id, Channel.private_support.is_(True))
        )

    async def auto_assign_channels(self, offering_id: str) -> list[Channel]:
        """The offering's group channels that take new learners automatically."""
        return await self.scalars(
            select(Channel).where(
                Channel.offering_id == offering_id,
                Channel.group_discussion.is_(True),
                Channel.auto_assign.is_(True),
            )
        )

    async def allocated_pairs(self, channel_ids: Collection[str], user_ids: Collection[str]) -> set[tuple[str, str]]:
        """(channel id, user id) of the allocations among these channels and users."""
        rows = await self.session.execute(
            select(ChannelMember.channel_id, ChannelMember.user_id).where(
                ChannelMember.channel_id.in_(channel_ids), ChannelMember.user_id.in_(user_ids)
            )
        )
        return {(channel_id, user_id) for channel_id, user_id in rows}

    async def post_in_channel(self, post_id: str) -> tuple[ChannelPost, Channel] | None:
        row = (
            await self.session.execute(
                select(ChannelPost, Channel)
                .join(Channel, Channel.id == ChannelPost.channel_id)
                .where(ChannelPost.id == post_id)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def comment_in_channel(self, comment_id: str) -> tuple[ChannelComment, Channel] | None:
        row = (
            await self.session.execute(
                select(ChannelComment, Channel)
                .join(Channel, Channel.id == ChannelComment.channel_id)
                .where(ChannelComment.id == comment_id)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def member(self, channel_id: str, user_id: str) -> ChannelMember | None:
        """In a unit of work, locked until it ends (F1): of two removals at once, the second finds nobody."""
        statement = select(ChannelMember).where(
            ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id
        )
        return await self.one_or_none(await self.for_change(statement))

    async def members(self, channel: Channel) -> Sequence[Row[User, Membership | None]]:
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
        return await self.scalars(
            select(Membership.user_id).where(
                Membership.offering_id == channel.offering_id,
                *learner_filter(),
                Membership.user_id.not_in(allocated),
            )
        )

    async def clear_members(self, channel_id: str) -> None:
        await self.execute(delete(ChannelMember).where(ChannelMember.channel_id == channel_id))

    async def drop_allocations(self, offering_id: str, user_id: str) -> None:
        """The user's places in the offering's group channels."""
        await self.execute(
            delete(ChannelMember).where(ChannelMember.offering_id == offering_id, ChannelMember.user_id == user_id)
        )

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
