"""Learner activity: course pages and page progress, stored completion, unit reactions, social notes,
pulses (questions, runs, responses) and badge awards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openqualify.server.db.base import Base, OrgScoped, fk_column, id_column, sqlite_listing


class CoursePage(OrgScoped, Base):
    """A page (unit) of one course version; every page weighs the same in a learner's completion."""

    __tablename__ = "course_pages"
    __table_args__ = (Index("ix_course_pages_content_position", "content_id", "position"),)

    id: Mapped[str] = id_column()
    content_id: Mapped[str] = fk_column("course_versions.id")
    title: Mapped[str] = mapped_column(String(300))
    task_count: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]


class PageProgress(OrgScoped, Base):
    """What one learner did on one page of an offering: viewed it, and how many of its tasks are done."""

    __tablename__ = "page_progress"
    __table_args__ = (
        Index("uq_page_progress_offering_user_page", "offering_id", "user_id", "page_id", unique=True),
        Index("ix_page_progress_page", "page_id"),
    )

    id: Mapped[str] = id_column()
    offering_id: Mapped[str] = fk_column("offerings.id")
    user_id: Mapped[str] = fk_column("users.id", index=True)
    page_id: Mapped[str] = fk_column("course_pages.id")
    viewed: Mapped[bool] = mapped_column(default=False)
    tasks_done: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]


class LearnerProgress(OrgScoped, Base):
    """The completion (integer percent) of a learner in an offering, kept up to date on every page change.

    Lists read this instead of aggregating page progress. No row means 0 %.
    """

    __tablename__ = "learner_progress"
    __table_args__ = (
        Index("ix_learner_progress_user", "user_id", "offering_id"),
        sqlite_listing("ix_learner_progress_listing", "offering_id", "user_id", "org_id", "completion"),
    )

    offering_id: Mapped[str] = fk_column("offerings.id", primary_key=True)
    user_id: Mapped[str] = fk_column("users.id", primary_key=True)
    completion: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]


class UnitReaction(OrgScoped, Base):
    """A learner's thumbs-up or thumbs-down on a page; one per learner, page and offering."""

    __tablename__ = "unit_reactions"
    __table_args__ = (
        Index("uq_unit_reactions_offering_page_user", "offering_id", "page_id", "user_id", unique=True),
        Index("ix_unit_reactions_user", "user_id"),
        Index("ix_unit_reactions_page", "page_id"),
    )

    id: Mapped[str] = id_column()
    offering_id: Mapped[str] = fk_column("offerings.id")
    page_id: Mapped[str] = fk_column("course_pages.id")
    user_id: Mapped[str] = fk_column("users.id")
    reaction: Mapped[str] = mapped_column(String(20))  # thumbs-up | thumbs-down
    created_at: Mapped[datetime]


class SocialNote(OrgScoped, Base):
    """A note a learner wrote on a paragraph of a page; only shared notes are visible through the API."""

    __tablename__ = "social_notes"
    __table_args__ = (
        Index("ix_social_notes_offering_created", "offering_id", "created_at"),
        Index("ix_social_notes_user", "user_id"),
        Index("ix_social_notes_page", "page_id"),
    )

    id: Mapped[str] = id_column()
    offering_id: Mapped[str] = fk_column("offerings.id")
    page_id: Mapped[str] = fk_column("course_pages.id")
    user_id: Mapped[str] = fk_column("users.id")
    paragraph_id: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class Pulse(OrgScoped, Base):
    """A pulse question of an offering (its id is the pulse base id)."""

    __tablename__ = "pulses"
    __table_args__ = (Index("ix_pulses_offering_created", "offering_id", "created_at"),)

    id: Mapped[str] = id_column()
    offering_id: Mapped[str] = fk_column("offerings.id")
    question: Mapped[str] = mapped_column(Text)
    pulse_type: Mapped[str] = mapped_column(String(40))
    options: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime]


class PulseRun(OrgScoped, Base):
    """One sending of a pulse (its id is the pulse instance id)."""

    __tablename__ = "pulse_runs"
    __table_args__ = (Index("ix_pulse_runs_pulse_start", "pulse_id", "start"),)

    id: Mapped[str] = id_column()
    pulse_id: Mapped[str] = fk_column("pulses.id")
    start: Mapped[datetime]
    duration_minutes: Mapped[int]


class PulseAnswerRow(OrgScoped, Base):
    """A learner's answer to one run of a pulse; `answer` holds the contract's PulseAnswer object."""

    __tablename__ = "pulse_responses"
    __table_args__ = (
        Index("ix_pulse_responses_offering_time", "offering_id", "response_time"),
        Index("ix_pulse_responses_pulse_time", "pulse_id", "response_time"),
        Index("ix_pulse_responses_run", "run_id"),
        Index("ix_pulse_responses_user", "user_id"),
    )

    id: Mapped[str] = id_column()
    offering_id: Mapped[str] = fk_column("offerings.id")
    pulse_id: Mapped[str] = fk_column("pulses.id")
    run_id: Mapped[str] = fk_column("pulse_runs.id")
    user_id: Mapped[str] = fk_column("users.id")
    response_time: Mapped[datetime]
    answer: Mapped[dict[str, Any]]


class BadgeAward(OrgScoped, Base):
    """The offering's badge awarded to a learner (its id is the awarded badge's id); one per learner."""

    __tablename__ = "badge_awards"
    __table_args__ = (
        Index("uq_badge_awards_offering_user", "offering_id", "user_id", unique=True),
        Index("ix_badge_awards_user_awarded", "user_id", "awarded_at"),
    )

    id: Mapped[str] = id_column()
    offering_id: Mapped[str] = fk_column("offerings.id")
    user_id: Mapped[str] = fk_column("users.id")
    awarded_at: Mapped[datetime]


__all__ = [
    "BadgeAward",
    "CoursePage",
    "LearnerProgress",
    "PageProgress",
    "Pulse",
    "PulseAnswerRow",
    "PulseRun",
    "SocialNote",
    "UnitReaction",
]
