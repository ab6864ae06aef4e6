"""Small shapes shared by several resources."""

from __future__ import annotations

from ._base import DateTime, Model


class Invite(Model):
    url: str | None = None


class UserMetadata(Model):
    tags: list[str] | None = None


class UserProfile(Model):
    display_name: str | None = None
    mobile: str | None = None


class Document(Model):
    id: str | None = None
    filename: str | None = None
    mimetype: str | None = None
    size: int | None = None
    url: str | None = None
    created_at: DateTime | None = None


class OrgResponse(Model):
    id: str | None = None
    name: str | None = None
