"""Who is in which offering, in which role, and which learners each marker (coach) marks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from openqualify.server.db.base import ID_LENGTH, Base, OrgScoped, id_column, sqlite_listing


class Membership(OrgScoped, Base):
    """A user in an offering. Learner = neither facilitator nor marker."""

    __tablename__ = "memberships"
    __table_args__ = (
        Index("uq_memberships_offering_user", "offering_id", "user_id", unique=True),
        Index("ix_memberships_user", "user_id"),
        sqlite_listing(
            "ix_memberships_listing", "offering_id", "is_facilitator", "is_marker", "org_id", "user_id",
            "last_logged_in_at",
        ),
    )

    id: Mapped[str] = id_column()
    offering_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("offerings.id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"))
    is_facilitator: Mapped[bool] = mapped_column(default=False)
    is_marker: Mapped[bool] = mapped_column(default=False)
    is_readonly: Mapped[bool] = mapped_column(default=False)
    # The learner's own opening date on offerings with relative dates (null: the offering's start).
    start_date: Mapped[datetime | None]
    last_logged_in_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    @property
    def is_learner(self) -> bool:
        return not self.is_facilitator and not self.is_marker


class MarkerAssignment(OrgScoped, Base):
    __tablename__ = "marker_assignments"
    __table_args__ = (
        Index("uq_marker_assignments", "offering_id", "marker_user_id", "learner_user_id", unique=True),
        Index("ix_marker_assignments_learner", "offering_id", "learner_user_id"),
    )

    id: Mapped[str] = id_column()
    offering_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("offerings.id", ondelete="CASCADE")
    )
    marker_user_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    learner_user_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
