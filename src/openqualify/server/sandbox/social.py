"""Sandbox control plane, social: posts, comments and replies in talk channels, and their moderation.

The contract only reads channel content (`/analytics/channels/...`); these endpoints write it, so that an
integration can be tested against realistic conversations.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.channels import schemas as channel_schemas
from openqualify.server.channels.service import comment_out, get_channel, post_out
from openqualify.server.db.models import Membership, User
from openqualify.server.db.models.social import Channel, ChannelComment, ChannelPost
from openqualify.server.kit.deps import PrincipalDep, SessionDep
from openqualify.server.kit.errors import ObjectNotFoundError
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.routing import api_router
from openqualify.server.kit.timefmt import DateTimeIn
from openqualify.server.kit.validation import Bool, EmailStr, NonEmptyStr, Str
from openqualify.server.offerings.lookup import get_offering
from openqualify.server.users.repository import UserRepository

router = api_router(tags=["Sandbox"], prefix="/_sandbox")


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Str | None = None
    mimetype: NonEmptyStr
    size: int = Field(ge=0, strict=True)
    url: NonEmptyStr


class ModerationIn(BaseModel):
    """Moderation of a post or comment; `moderatorEmail` names an organisation user (usually a facilitator)."""

    model_config = ConfigDict(extra="forbid")
    isMuted: Bool = True
    reason: Str | None = None
    moderatorEmail: EmailStr | None = None


class _Authored(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    content: Str = ""
    isFacilitatorPost: Bool | None = None
    createdAt: DateTimeIn | None = None
    moderation: ModerationIn | None = None


class PostCreate(_Authored):
    title: Str | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list)


class CommentCreate(_Authored):
    pass


async def _author(session: AsyncSession, email: str, offering_id: str, given: bool | None) -> tuple[User, bool]:
    """The author (404 if unknown) and whether the text counts as a facilitator's: as given, else by role."""
    user = await UserRepository(session).by_email(email)
    if user is None:
        raise ObjectNotFoundError.of("user", email)
    if given is not None:
        return user, given
    membership = (
        await session.execute(
            select(Membership).where(Membership.offering_id == offering_id, Membership.user_id == user.id)
        )
    ).scalar_one_or_none()
    return user, bool(membership and membership.is_facilitator)


async def _moderate(
    session: AsyncSession, row: ChannelPost | ChannelComment, moderation: ModerationIn | None
) -> User | None:
    """Apply (or, with None, clear) moderation; returns the moderator."""
    if moderation is None:
        row.moderated, row.is_muted, row.moderation_reason, row.moderator_user_id = False, False, None, None
        return None
    moderator = None
    if moderation.moderatorEmail is not None:
        moderator = await UserRepository(session).by_email(moderation.moderatorEmail)
        if moderator is None:
            raise ObjectNotFoundError.of("user", moderation.moderatorEmail)
    row.moderated = True
    row.is_muted = moderation.isMuted
    row.moderation_reason = moderation.reason
    row.moderator_user_id = moderator.id if moderator else None
    return moderator


async def _post(session: AsyncSession, post_id: str) -> tuple[ChannelPost, Channel]:
    row = (
        await session.execute(
            select(ChannelPost, Channel)
            .join(Channel, Channel.id == ChannelPost.channel_id)
            .where(ChannelPost.id == post_id)
        )
    ).first()
    if row is None:
        raise ObjectNotFoundError.of("post", post_id)
    return row[0], row[1]


async def _comment(session: AsyncSession, comment_id: str) -> tuple[ChannelComment, Channel]:
    row = (
        await session.execute(
            select(ChannelComment, Channel)
            .join(Channel, Channel.id == ChannelComment.channel_id)
            .where(ChannelComment.id == comment_id)
        )
    ).first()
    if row is None:
        raise ObjectNotFoundError.of("comment", comment_id)
    return row[0], row[1]


async def _email_of(session: AsyncSession, user_id: str) -> str:
    user = await session.get(User, user_id)
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
    session.add(comment)
    await session.flush()
    return comment_out(comment, author.email, moderator)


@router.post(
    "/offerings/{offeringId}/channels/{channelId}/posts", status_code=201, response_model=channel_schemas.PostOut
)
async def create_post(
    principal: PrincipalDep, session: SessionDep, offeringId: str, channelId: str, body: PostCreate
) -> channel_schemas.PostOut:
    """Start a thread in a channel. `isFacilitatorPost` defaults to the author's facilitator role in the
    offering; `createdAt` defaults to the organisation's now."""
    channel = await get_channel(session, await get_offering(session, offeringId), channelId)
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
    session.add(post)
    await session.flush()
    return post_out(post, author.email, moderator)


@router.post("/posts/{postId}/comments", status_code=201, response_model=channel_schemas.CommentOut)
async def create_comment(
    principal: PrincipalDep, session: SessionDep, postId: str, body: CommentCreate
) -> channel_schemas.CommentOut:
    """Comment on a post (listed by `/analytics/channels/{channelId}/comments`)."""
    post, channel = await _post(session, postId)
    return await _new_comment(session, principal.now(), channel, post.id, None, body)


@router.post("/comments/{commentId}/replies", status_code=201, response_model=channel_schemas.CommentOut)
async def create_reply(
    principal: PrincipalDep, session: SessionDep, commentId: str, body: CommentCreate
) -> channel_schemas.CommentOut:
    """Reply to a comment (listed by `/analytics/channels/{channelId}/replies`)."""
    parent, channel = await _comment(session, commentId)
    return await _new_comment(session, principal.now(), channel, parent.post_id, parent.id, body)


@router.put("/posts/{postId}/moderation", response_model=channel_schemas.PostOut)
async def moderate_post(
    principal: PrincipalDep, session: SessionDep, postId: str, body: ModerationIn | None = None
) -> channel_schemas.PostOut:
    """Moderate (mute, with a reason and a moderator) a post; no body (or `null`) clears moderation."""
    post, _channel = await _post(session, postId)
    moderator = await _moderate(session, post, body)
    await session.flush()
    return post_out(post, await _email_of(session, post.user_id), moderator)


@router.put("/comments/{commentId}/moderation", response_model=channel_schemas.CommentOut)
async def moderate_comment(
    principal: PrincipalDep, session: SessionDep, commentId: str, body: ModerationIn | None = None
) -> channel_schemas.CommentOut:
    """Moderate a comment or reply; no body (or `null`) clears moderation."""
    comment, _channel = await _comment(session, commentId)
    moderator = await _moderate(session, comment, body)
    await session.flush()
    return comment_out(comment, await _email_of(session, comment.user_id), moderator)
