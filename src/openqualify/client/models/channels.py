"""Talk channels, their content, and assessment groups."""

from __future__ import annotations

from ._base import DateTime, Model
from .users import OfferingUserResponse


class ChannelResponse(Model):
    id: str | None = None
    title: str | None = None
    is_broadcast_only: bool | None = None


class ChannelLearners(ChannelResponse):
    """A group-discussion channel together with the learners allocated to it."""

    learners: list[OfferingUserResponse] | None = None


class Moderator(Model):
    id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    avatar_url: str | None = None


class Moderation(Model):
    is_muted: bool | None = None
    reason: str | None = None
    moderator: Moderator | None = None


class DocumentResponse(Model):
    id: str | None = None
    mimetype: str | None = None
    size: int | None = None
    url: str | None = None


class Post(Model):
    """A channel post (the contract's `httpPost`)."""

    id: str | None = None
    title: str | None = None
    content: str | None = None
    email: str | None = None
    created_at: DateTime | None = None
    is_facilitator_post: bool | None = None
    attachments: list[DocumentResponse] | None = None
    moderation: Moderation | None = None


class Comment(Model):
    id: str | None = None
    post_id: str | None = None
    parent_comment_id: str | None = None
    content: str | None = None
    email: str | None = None
    created_at: DateTime | None = None
    is_facilitator_post: bool | None = None
    moderation: Moderation | None = None


class AssessmentGroupResponse(Model):
    id: str | None = None
    title: str | None = None
    created_at: str | None = None
