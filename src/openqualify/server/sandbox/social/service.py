"""Writing channel content: authors, moderation, posts, comments and replies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.channels import schemas as channel_schemas
from openqualify.server.channels.lookup import get_channel
from openqualify.server.channels.repository import ChannelRepository
from openqualify.server.channels.service import comment_out, post_out
from openqualify.server.db.models import User
from openqualify.server.db.models.social import Channel, ChannelComment, ChannelPost
from openqualify.server.event_hub import emitters as hub
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.errors import ObjectNotFoundError
from openqualify.server.kit.ids import push_id
from openqualify.server.memberships.repository import MembershipRepository
from openqualify.server.offerings.lookup import get_offering
from openqualify.server.sandbox.social.schemas import CommentCreate, ModerationIn, PostCreate
from openqualify.server.users.lookup import get_user
from openqualify.server.users.repository import UserRepository


async def _author(session: AsyncSession, email: str, offering_id: str, given: bool | None) -> tuple[User, bool]:
    """The author (404 if unknown) and whether the text counts as a facilitator's: as given, else by role."""
    user = await get_user(session, email)
    if given is not None:
        return user, given
    membership = await MembershipRepository(session).membership(offering_id, user.id)
    return user, bool(membership and membership.is_facilitator)


async def _moderate(
    session: AsyncSession, row: ChannelPost | ChannelComment, moderation: ModerationIn | None
) -> User | None:
    """Apply (or, with None, clear) moderation; returns the moderator."""
    if moderation is None:
        row.moderated, row.is_muted, row.moderation_reason, row.moderator_user_id = False, False, None, None
        return None
    moderator = await get_user(session, moderation.moderatorEmail) if moderation.moderatorEmail is not None else None
    row.moderated = True
    row.is_muted = moderation.isMuted
    row.moderation_reason = moderation.reason
    row.moderator_user_id = moderator.id if moderator else None
    return moderator


async def _post(session: AsyncSession, post_id: str) -> tuple[ChannelPost, Channel]:
    found = await ChannelRepository(session).post_in_channel(post_id)
    if found is None:
        raise ObjectNotFoundError.of("post", post_id)
    return found


async def _comment(session: AsyncSession, comment_id: str) -> tuple[ChannelComment, Channel]:
    found = await ChannelRepository(session).comment_in_channel(comment_id)
    if found is None:
        raise ObjectNotFoundError.of("comment", comment_id)
    return found


async def _email_of(session: AsyncSession, user_id: str) -> str:
    user = await UserRepository(session).by_key(User, user_id)
    assert user is not None
    return user.email


async def _new_comment(
    session: AsyncSession, now: datetime, channel: Channel, post_id: str, parent_id: str | None, body: CommentCreate
) -> channel_schemas.CommentOut:
    author, facilitator = await _author(session, body.email, channel.offering_id, body.isFacilitatorPost)
    comment = ChannelComment(
        id=push_id(),
        channel_id=channel.id,
        post_id=post_id,
        parent_comment_id=parent_id,
        user_id=author.id,
        content=body.content,
        is_facilitator_post=facilitator,
        created_at=body.createdAt or now,
    )
    moderator = await _moderate(session, comment, body.moderation)
    await hub.comment_created(session, channel, await ChannelRepository(session).store(comment), author)
    return comment_out(comment, author.email, moderator)


async def create_post(
    session: AsyncSession, principal: Principal, offering_id: str, channel_id: str, body: PostCreate
) -> channel_schemas.PostOut:
    channel = await get_channel(session, await get_offering(session, offering_id), channel_id)
    author, facilitator = await _author(session, body.email, channel.offering_id, body.isFacilitatorPost)
    post = ChannelPost(
        id=push_id(),
        channel_id=channel.id,
        user_id=author.id,
        title=body.title,
        content=body.content,
        is_facilitator_post=facilitator,
        attachments=[
            {"id": item.id or push_id(), "mimetype": item.mimetype, "size": item.size, "url": item.url}
            for item in body.attachments
        ],
        created_at=body.createdAt or principal.now(),
    )
    moderator = await _moderate(session, post, body.moderation)
    await hub.post_created(session, channel, await ChannelRepository(session).store(post), author)
    return post_out(post, author.email, moderator)


async def create_comment(
    session: AsyncSession, principal: Principal, post_id: str, body: CommentCreate
) -> channel_schemas.CommentOut:
    post, channel = await _post(session, post_id)
    return await _new_comment(session, principal.now(), channel, post.id, None, body)


async def create_reply(
    session: AsyncSession, principal: Principal, comment_id: str, body: CommentCreate
) -> channel_schemas.CommentOut:
    parent, channel = await _comment(session, comment_id)
    return await _new_comment(session, principal.now(), channel, parent.post_id, parent.id, body)


async def moderate_post(session: AsyncSession, post_id: str, body: ModerationIn | None) -> channel_schemas.PostOut:
    post, _channel = await _post(session, post_id)
    moderator = await _moderate(session, post, body)
    await session.flush()
    return post_out(post, await _email_of(session, post.user_id), moderator)


async def moderate_comment(
    session: AsyncSession, comment_id: str, body: ModerationIn | None
) -> channel_schemas.CommentOut:
    comment, _channel = await _comment(session, comment_id)
    moderator = await _moderate(session, comment, body)
    await session.flush()
    return comment_out(comment, await _email_of(session, comment.user_id), moderator)
