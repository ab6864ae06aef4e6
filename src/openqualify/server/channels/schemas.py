"""Wire shapes of talk channels (`ChannelRequired`, `Channel`, `ChannelResponse`) and their content
(`httpPost`, `Comment`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from openqualify.server.kit.timefmt import DateTimeOut
from openqualify.server.kit.validation import Bool, EmailStr, NonEmptyStr
from openqualify.server.memberships.schemas import OfferingUserOut


class ChannelGroupIn(BaseModel):
    autoAssign: Bool | None = None


class ChannelPatch(BaseModel):
    """`Channel`: every field optional; absent (or null) leaves the value unchanged."""

    title: NonEmptyStr | None = None
    isBroadcastOnly: Bool | None = None
    groupDiscussion: Bool | None = None
    privateSupport: Bool | None = None
    group: ChannelGroupIn | None = None


class ChannelCreate(ChannelPatch):
    """`ChannelRequired` (title, isBroadcastOnly); the other `Channel` properties are accepted too."""

    title: NonEmptyStr
    isBroadcastOnly: Bool = False


class ChannelOut(BaseModel):
    id: str
    title: str
    isBroadcastOnly: bool


class ChannelLearnerIn(BaseModel):
    """`{email}` of the group-channel learner endpoints."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr


# A learner of a group channel is the contract's `OfferingUser`, as the members' shapes have it; the channel
# service builds these by the names here.


class ChannelWithLearnersOut(ChannelOut):
    learners: list[OfferingUserOut]


class AttachmentOut(BaseModel):
    id: str | None = None
    mimetype: str | None = None
    size: int | None = None
    url: str | None = None


class ModeratorOut(BaseModel):
    id: str
    firstName: str | None = None
    lastName: str | None = None
    avatarUrl: str | None = None


class ModerationOut(BaseModel):
    isMuted: bool
    reason: str | None = None
    moderator: ModeratorOut | None = None


class PostOut(BaseModel):
    id: str
    title: str | None = None
    content: str
    email: str
    createdAt: DateTimeOut
    isFacilitatorPost: bool
    attachments: list[AttachmentOut]
    moderation: ModerationOut | None = None


class CommentOut(BaseModel):
    id: str
    postId: str
    parentCommentId: str | None = None
    content: str
    email: str
    createdAt: DateTimeOut
    isFacilitatorPost: bool
    moderation: ModerationOut | None = None
