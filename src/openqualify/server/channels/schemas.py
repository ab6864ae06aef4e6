"""Wire shapes of talk channels (`ChannelRequired`, `Channel`, `ChannelResponse`) and their content
(`httpPost`, `Comment`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from openqualify.server.kit.timefmt import DateTimeOut
from openqualify.server.kit.validation import Bool, EmailStr, NonEmptyStr


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


class MetadataOut(BaseModel):
    tags: list[str] = Field(default_factory=list)


class ProfileOut(BaseModel):
    displayName: str | None = None


class ChannelLearnerOut(BaseModel):
    """A learner of a group channel, shaped as the contract's `OfferingUser`."""

    email: str
    firstName: str | None = None
    lastName: str | None = None
    personId: str | None = None
    metadata: MetadataOut
    profile: ProfileOut
    isFacilitator: bool
    isMarker: bool
    isReadonly: bool


class ChannelWithLearnersOut(ChannelOut):
    learners: list[ChannelLearnerOut]


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
