"""Organisations, their API tokens and the e-mails the API would have sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openqualify.server.db.base import ID_LENGTH, Base, OrgScoped, id_column


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    api_enabled: Mapped[bool] = mapped_column(default=True)
    # Sandbox clock: a frozen instant wins over an offset from real time.
    clock_frozen_at: Mapped[datetime | None]
    clock_offset_seconds: Mapped[float] = mapped_column(default=0.0)


class ApiToken(OrgScoped, Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = id_column()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="default")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class EmailOutbox(OrgScoped, Base):
    """Invitation and notification e-mails: recorded, never delivered (the sandbox lists them)."""

    __tablename__ = "email_outbox"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))  # invite | offering-notification | transfer
    offering_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    subject: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class OrgDataVersion(Base):
    """A number every committed write of an organisation raises: what its cached list answers are keyed on
    (`kit.listcache`).

    Not organisation data: its key is `organisation_id`, not `org_id`, so that export, import, reset and the
    tenancy filter (which all work on `org_id` tables) leave it alone.
    """

    __tablename__ = "org_data_versions"

    organisation_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger)
