"""The sandbox's social bodies (answers are the API's `channels.schemas.PostOut` / `CommentOut`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from openqualify.server.kit.timefmt import DateTimeIn
from openqualify.server.kit.validation import Bool, EmailStr, NonEmptyStr, Str
from openqualify.server.sandbox.assessments.schemas import FileSize


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Str | None = None
    mimetype: NonEmptyStr
    size: FileSize
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
