"""Courses, their published versions and collaborator permissions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openqualify.server.db.base import ID_LENGTH, Base, OrgScoped, id_column


class Course(OrgScoped, Base):
    """A course; its `id` is the rootContentId (the contentId of its first version, or its draft id)."""

    __tablename__ = "courses"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(300))
    cover_image_url: Mapped[str | None] = mapped_column(String(500))
    tasks_enabled: Mapped[bool] = mapped_column(default=True)
    category: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str | None] = mapped_column(String(200))
    topic: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(default=list)
    learning_outcomes: Mapped[list[Any]] = mapped_column(default=list)
    # Set while the course is under construction (never published, or back in draft).
    draft_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    latest_content_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime]


class CourseVersion(OrgScoped, Base):
    """One published version of a course: a contentId."""

    __tablename__ = "course_versions"
    __table_args__ = (Index("ix_course_versions_course_version", "course_id", "version"),)

    id: Mapped[str] = id_column()  # the contentId
    course_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("courses.id", ondelete="CASCADE")
    )
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime]


class CoursePermission(OrgScoped, Base):
    __tablename__ = "course_permissions"
    __table_args__ = (Index("uq_course_permissions_course_user", "course_id", "user_id", unique=True),)

    id: Mapped[str] = id_column()
    course_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("courses.id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    is_builder: Mapped[bool] = mapped_column(default=False)
    is_reviewer: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
