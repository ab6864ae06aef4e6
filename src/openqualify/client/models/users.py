"""Users of the organisation and members of offerings."""

from __future__ import annotations

from pydantic import Field

from ._base import DateTime, Model, RequestModel
from .common import Invite, UserMetadata, UserProfile


class UserResponse(Model):
    id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    person_id: str | None = None
    avatar_url: str | None = None
    metadata: UserMetadata | None = None
    profile: UserProfile | None = None
    first_access_at: DateTime | None = None
    last_access_at: DateTime | None = None
    invite: Invite | None = None


class OfferingUserBase(Model):
    """A member as added to an offering: the request item and the answer's item share these fields."""

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    person_id: str | None = None
    metadata: UserMetadata | None = None
    profile: UserProfile | None = None
    is_facilitator: bool | None = None
    is_marker: bool | None = None
    is_readonly: bool | None = None
    send_invite: bool | None = None
    send_notification_email: bool | None = None


class OfferingUser(OfferingUserBase, RequestModel):
    """One member to add to an offering (the request item of `offerings.add_users`)."""

    email: str


class OfferingUserAddResponse(OfferingUserBase):
    """One member added (an item of the answer of `offerings.add_users`), with the invitation if one was made."""

    invite: Invite | None = None


class OfferingUserResponse(Model):
    id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    person_id: str | None = None
    avatar_url: str | None = None
    profile: UserProfile | None = None
    is_facilitator: bool | None = None
    is_marker: bool | None = None
    is_readonly: bool | None = None
    marks: list[str] | None = None
    marked_by: list[str] | None = None
    evaluates: list[str] | None = None
    evaluated_by: list[str] | None = None


class UserPermission(Model):
    email: str | None = None
    name: str | None = None
    is_builder: bool | None = None
    is_reviewer: bool | None = None


class PermissionGranted(Model):
    content_id: str | None = None


class OfferingProgressRow(Model):
    id: str | None = None
    completion: str | None = None


class LearnerResponse(Model):
    id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    person_id: str | None = None
    offerings: list[OfferingProgressRow] | None = None


class LearnerProgressResponse(Model):
    course_id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    person_id: str | None = None
    completion: str | None = None
    last_logged_in_at: DateTime | None = None


class UserOfferingProgress(Model):
    id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    completion: str | None = None


class OfferingName(Model):
    name: str | None = None


class ProgressData(Model):
    progress: list[LearnerResponse] | None = None
    offerings: dict[str, OfferingName] | None = None
    """The names of the page's offerings by id: OpenQualify sends them, as iQualify's 2019 API did; the
    contract does not declare them, so a server may leave them out."""


class AllProgressResponse(Model):
    """`GET /users/all/progress`: the page of learners and the `$top` the server applied."""

    data: ProgressData | None = None
    top: int | None = None

    @property
    def learners(self) -> list[LearnerResponse]:
        return (self.data.progress if self.data else None) or []

    @property
    def offering_names(self) -> dict[str, str]:
        """Offering id -> name for the offerings of this page, when the server sent them (else empty)."""
        offerings = (self.data.offerings if self.data else None) or {}
        return {key: value.name for key, value in offerings.items() if value.name is not None}


class SocialNotesResponse(Model):
    user_id: str | None = None
    person_id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    page_id: str | None = None
    social_note_paragraph_id: str | None = Field(default=None, alias="social-note-paragraphId")
    social_note_content: str | None = Field(default=None, alias="social-note-content")
