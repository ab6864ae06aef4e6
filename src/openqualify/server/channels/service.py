"""Talk channels of an offering: kinds, group-channel allocation, and the read-only analytics of their content."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.channels import repository, schemas
from openqualify.server.channels.lookup import get_channel, get_channel_id
from openqualify.server.channels.repository import ChannelRepository
from openqualify.server.db.models import Offering, User
from openqualify.server.db.models.social import Channel, ChannelComment, ChannelMember, ChannelPost
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.errors import (
    InvalidChannelPropertiesError,
    InvalidGroupChannelError,
    ObjectExistsError,
    UserNotInChannelError,
)
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.json_rows import present
from openqualify.server.kit.reads import AnyRow, ReadContext
from openqualify.server.memberships.lookup import get_learner
from openqualify.server.memberships.views import offering_user_out
from openqualify.server.offerings.lookup import found_in_offering, get_offering
from openqualify.server.users.lookup import get_user

EXCLUSIVE_FLAGS_MESSAGE = (
    "A channel can only have one of these properties set as true: groupDiscussion, isBroadcastOnly or privateSupport"
)


def to_out(channel: Channel | AnyRow) -> schemas.ChannelOut:
    return schemas.ChannelOut(id=channel.id, title=channel.title, isBroadcastOnly=channel.is_broadcast_only)


def new_channel(offering_id: str, title: str, now: datetime, **flags: bool) -> Channel:
    """A channel row with every column set (defaults apply only at flush)."""
    return Channel(
        id=push_id(),
        offering_id=offering_id,
        title=title,
        is_broadcast_only=flags.get("is_broadcast_only", False),
        group_discussion=flags.get("group_discussion", False),
        private_support=flags.get("private_support", False),
        auto_assign=flags.get("auto_assign", False),
        created_at=now,
    )


def new_member(channel: Channel, user_id: str, now: datetime) -> ChannelMember:
    return ChannelMember(
        id=push_id(), channel_id=channel.id, offering_id=channel.offering_id, user_id=user_id, created_at=now
    )


async def list_channels(ctx: ReadContext, offering_id: str) -> list[schemas.ChannelOut]:
    channels = found_in_offering(await repository.read_channels(ctx, offering_id), offering_id)
    return [to_out(channel) for channel in channels]


async def _apply(
    session: AsyncSession, channel: Channel, body: schemas.ChannelPatch, now: datetime, *, is_new: bool
) -> None:
    """Merge `body` into `channel`, enforcing the kind rules; allocate learners when asked to."""
    repo = ChannelRepository(session)
    merged = {
        "is_broadcast_only": channel.is_broadcast_only if body.isBroadcastOnly is None else body.isBroadcastOnly,
        "group_discussion": channel.group_discussion if body.groupDiscussion is None else body.groupDiscussion,
        "private_support": channel.private_support if body.privateSupport is None else body.privateSupport,
    }
    if sum(merged.values()) > 1:
        raise InvalidChannelPropertiesError(EXCLUSIVE_FLAGS_MESSAGE)
    auto_assign = body.group.autoAssign if body.group is not None else None
    if auto_assign and not merged["group_discussion"]:
        raise InvalidGroupChannelError(f"Channel {channel.id} is not a group discussion channel.")
    if merged["private_support"] and not channel.private_support:
        existing = await repo.private_support(channel.offering_id)
        if existing is not None and existing.id != channel.id:
            raise ObjectExistsError(
                f"The offering {channel.offering_id} already has a private support channel ({existing.id})."
            )
    was_group = channel.group_discussion
    if body.title is not None:
        channel.title = body.title
    channel.is_broadcast_only = merged["is_broadcast_only"]
    channel.group_discussion = merged["group_discussion"]
    channel.private_support = merged["private_support"]
    if auto_assign is not None:
        channel.auto_assign = auto_assign
    if not channel.group_discussion:
        channel.auto_assign = False
        if was_group and not is_new:
            await repo.clear_members(channel.id)  # a channel that is no longer a group one has no allocation
    if is_new:
        repo.add(channel)
    await session.flush()
    if channel.group_discussion and auto_assign:
        repo.add_all(new_member(channel, user_id, now) for user_id in await repo.learner_ids_not_in(channel))
        await session.flush()


async def create_channel(
    session: AsyncSession, principal: Principal, offering_id: str, body: schemas.ChannelCreate
) -> schemas.ChannelOut:
    offering = await get_offering(session, offering_id)
    now = principal.now()
    channel = new_channel(offering.id, body.title, now)
    await _apply(session, channel, body, now, is_new=True)
    return to_out(channel)


async def update_channel(
    session: AsyncSession, principal: Principal, offering_id: str, channel_id: str, body: schemas.ChannelPatch
) -> schemas.ChannelOut:
    offering = await get_offering(session, offering_id)
    channel = await get_channel(session, offering, channel_id)
    await _apply(session, channel, body, principal.now(), is_new=False)
    return to_out(channel)


async def _group_channel(session: AsyncSession, offering_id: str, channel_id: str) -> tuple[Offering, Channel]:
    offering = await get_offering(session, offering_id)
    channel = await get_channel(session, offering, channel_id)
    if not channel.group_discussion:
        raise InvalidGroupChannelError(f"Channel {channel.id} is not a group discussion channel.")
    return offering, channel


async def channel_learners(
    session: AsyncSession, offering_id: str, channel_id: str
) -> schemas.ChannelWithLearnersOut:
    _offering, channel = await _group_channel(session, offering_id, channel_id)
    rows = await ChannelRepository(session).members(channel)
    return schemas.ChannelWithLearnersOut(
        **to_out(channel).model_dump(), learners=[offering_user_out(user, membership) for user, membership in rows]
    )


async def add_channel_learner(
    session: AsyncSession, principal: Principal, offering_id: str, channel_id: str, email: str
) -> None:
    offering, channel = await _group_channel(session, offering_id, channel_id)
    user, _ = await get_learner(session, offering, email)
    repo = ChannelRepository(session)
    if await repo.member(channel.id, user.id) is not None:
        raise ObjectExistsError(f"The user {user.email} is already a learner in the channel {channel.id}.")
    repo.add_all([new_member(channel, user.id, principal.now())])
    await session.flush()


async def remove_channel_learner(
    session: AsyncSession, principal: Principal, offering_id: str, channel_id: str, email: str
) -> None:
    offering, channel = await _group_channel(session, offering_id, channel_id)
    user = await get_user(session, email)
    repo = ChannelRepository(session)
    allocation = await repo.member(channel.id, user.id)
    if allocation is None:
        await get_learner(session, offering, email)  # UserNotInOfferingError first
        raise UserNotInChannelError(f"The user {user.email} is not a learner in the channel {channel.id}.")
    await repo.delete(allocation)
    await session.flush()


async def add_auto_assigned(session: AsyncSession, offering_id: str, user_ids: Iterable[str], now: datetime) -> None:
    """New learners of an offering join its auto-assign group channels."""
    wanted = set(user_ids)
    if not wanted:
        return
    repo = ChannelRepository(session)
    channels = await repo.auto_assign_channels(offering_id)
    if not channels:
        return
    present = await repo.allocated_pairs([c.id for c in channels], wanted)
    repo.add_all(
        new_member(channel, user_id, now)
        for channel in channels
        for user_id in sorted(wanted)
        if (channel.id, user_id) not in present
    )
    await session.flush()


# --- content (read-only through the API) -------------------------------------------------------------------


def moderation_json(row: Any, moderator: User | None) -> dict[str, Any] | None:
    """`moderation` of a post or comment (an entity or a row of its columns), or None if never moderated."""
    if not row.moderated:
        return None
    return present(
        {
            "isMuted": bool(row.is_muted),
            "reason": row.moderation_reason,
            "moderator": (
                present(
                    {
                        "id": moderator.id,
                        "firstName": moderator.first_name,
                        "lastName": moderator.last_name,
                        "avatarUrl": moderator.avatar_url,
                    }
                )
                if moderator is not None
                else None
            ),
        }
    )


def _attachment_json(item: Mapping[str, Any]) -> dict[str, Any]:
    return present({key: item.get(key) for key in ("id", "mimetype", "size", "url")})


def post_json(post: Any, email: str, moderator: User | None) -> dict[str, Any]:
    """`PostOut` as JSON-ready values (`kit.json_rows`), from a `ChannelPost` or a row of its columns."""
    return present(
        {
            "id": post.id,
            "title": post.title,
            "content": post.content,
            "email": email,
            "createdAt": post.created_at,
            "isFacilitatorPost": bool(post.is_facilitator_post),
            "attachments": [_attachment_json(item) for item in post.attachments or ()],
            "moderation": moderation_json(post, moderator),
        }
    )


def comment_json(comment: Any, email: str, moderator: User | None) -> dict[str, Any]:
    """`CommentOut` as JSON-ready values, from a `ChannelComment` or a row of its columns."""
    return present(
        {
            "id": comment.id,
            "postId": comment.post_id,
            "parentCommentId": comment.parent_comment_id,
            "content": comment.content,
            "email": email,
            "createdAt": comment.created_at,
            "isFacilitatorPost": bool(comment.is_facilitator_post),
            "moderation": moderation_json(comment, moderator),
        }
    )


def post_out(post: ChannelPost, email: str, moderator: User | None) -> schemas.PostOut:
    return schemas.PostOut.model_validate(post_json(post, email, moderator))


def comment_out(comment: ChannelComment, email: str, moderator: User | None) -> schemas.CommentOut:
    return schemas.CommentOut.model_validate(comment_json(comment, email, moderator))


_POST_KEYS = ("id", "title", "content", "email", "createdAt", "isFacilitatorPost", "attachments")
_COMMENT_KEYS = ("id", "postId", "parentCommentId", "content", "email", "createdAt", "isFacilitatorPost")


def _listed_json(keys: tuple[str, ...], rows: Sequence[Any]) -> list[dict[str, Any]]:
    """`PostOut` / `CommentOut` rows from `ChannelRepository` read rows (the wire columns first, in wire order,
    then moderated, is_muted, reason and the moderator's id, first and last name and avatar): lists run to
    thousands, so each row is one dict built in one pass."""
    width = len(keys)
    result = []
    for row in rows:
        item = {key: value for key, value in zip(keys, row[:width], strict=True) if value is not None}
        item["isFacilitatorPost"] = bool(item.get("isFacilitatorPost"))
        if "attachments" in item:
            item["attachments"] = [_attachment_json(entry) for entry in item["attachments"]]
        elif keys is _POST_KEYS:
            item["attachments"] = []
        moderated, is_muted, reason, moderator_id, first_name, last_name, avatar_url = row[width:]
        if moderated:
            moderation: dict[str, Any] = {"isMuted": bool(is_muted)}
            if reason is not None:
                moderation["reason"] = reason
            if moderator_id is not None:
                moderation["moderator"] = present(
                    {"id": moderator_id, "firstName": first_name, "lastName": last_name, "avatarUrl": avatar_url}
                )
            item["moderation"] = moderation
        result.append(item)
    return result


async def list_posts(ctx: ReadContext, offering_id: str, channel_id: str) -> list[dict[str, Any]]:
    """`PostOut` rows as JSON-ready dicts: a channel's posts run to thousands."""
    channel = await get_channel_id(ctx, offering_id, channel_id)
    return _listed_json(_POST_KEYS, await repository.read_posts(ctx, channel))


async def list_comments(
    ctx: ReadContext, offering_id: str, channel_id: str, *, replies: bool
) -> list[dict[str, Any]]:
    """`CommentOut` rows as JSON-ready dicts."""
    channel = await get_channel_id(ctx, offering_id, channel_id)
    return _listed_json(_COMMENT_KEYS, await repository.read_comments(ctx, channel, replies=replies))
