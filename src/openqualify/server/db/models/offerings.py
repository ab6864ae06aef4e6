"""Offerings (class activations), their badge settings and external course mappings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openqualify.server.db.base import ID_LENGTH, Base, OrgScoped, id_column


class Offering(OrgScoped, Base):
    __tablename__ = "offerings"
    __table_args__ = (
        Index("ix_offerings_org_start", "org_id", "start"),
        Index("ix_offerings_org_end", "org_id", "end"),
        Index("ix_offerings_content", "content_id"),
    )

    id: Mapped[str] = id_column()
    content_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("course_versions.id", ondelete="RESTRICT")
    )
    course_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("courses.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    overview: Mapped[str | None] = mapped_column(Text)
    identifier: Mapped[str | None] = mapped_column(String(200))
    info: Mapped[str] = mapped_column(Text, default="")
    cover_image_url: Mapped[str | None] = mapped_column(String(500))
    currency: Mapped[str | None] = mapped_column(String(10))
    price: Mapped[float | None] = mapped_column(Numeric(12, 2, asdecimal=False))
    enrollment_limit: Mapped[int | None]
    start: Mapped[datetime]
    end: Mapped[datetime | None]
    has_early_close_off: Mapped[bool] = mapped_column(default=False)
    early_close_off_date: Mapped[datetime | None]
    use_relative_dates: Mapped[bool] = mapped_column(default=False)
    is_readonly: Mapped[bool] = mapped_column(default=False)
    trailer_video_url: Mapped[str | None] = mapped_column(String(500))
    category: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str | None] = mapped_column(String(200))
    topic: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime]


class OfferingBadge(OrgScoped, Base):
    """The badge an offering awards; configured when the offering is created."""

    __tablename__ = "offering_badges"

    offering_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("offerings.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    expires: Mapped[bool] = mapped_column(default=False)
    expiry_type: Mapped[str | None] = mapped_column(String(20))  # date | timeframe
    expiration_date: Mapped[datetime | None]
    timeframe_amount: Mapped[float | None]
    timeframe_unit: Mapped[str | None] = mapped_column(String(20))  # days | months | years
    created_at: Mapped[datetime]


class CourseMapping(OrgScoped, Base):
    """An offering linked to an external course id; an offering has at most one."""

    __tablename__ = "course_mappings"
    __table_args__ = (Index("ix_course_mappings_org_external", "org_id", "external_course_id"),)

    offering_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("offerings.id", ondelete="CASCADE"), primary_key=True
    )
    external_course_id: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]
