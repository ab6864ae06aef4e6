"""Organisation user accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from openqualify.server.db.base import Base, OrgScoped, id_column, sqlite_listing


class User(OrgScoped, Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_org_email", "org_id", "email_key", unique=True),
        Index("ix_users_org_last_first", "org_id", "last_name", "first_name"),
        sqlite_listing(
            "ix_users_listing", "id", "org_id", "email_key", "email", "first_name", "last_name", "person_id"
        ),
    )

    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(String(320))
    # Lower-cased e-mail: the case-insensitive key every lookup uses.
    email_key: Mapped[str] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    person_id: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    mobile: Mapped[str | None] = mapped_column(String(60))
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    tags: Mapped[list[str]] = mapped_column(default=list)
    suspended: Mapped[bool] = mapped_column(default=False)
    is_builder: Mapped[bool] = mapped_column(default=False)
    is_manager: Mapped[bool] = mapped_column(default=False)
    invite_code: Mapped[str | None] = mapped_column(String(64))
    invite_sent_count: Mapped[int] = mapped_column(default=0)
    first_access_at: Mapped[datetime | None]
    last_access_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
