"""Assessments (quizzes, assignments, open-response tasks), their per-offering settings, and learners' work.

Assessments and open-response activities belong to a course VERSION (contentId): every offering of that
content has them, and a learner moved between two offerings of the same content keeps meaningful work.
What an offering changes (dates, content, marking) lives in `assessment_settings`; what a learner does
(submissions, marks, quiz attempts, activity attempts) is keyed by offering and user.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openqualify.server.db.base import ID_LENGTH, Base, OrgScoped, fk_column, id_column, sqlite_listing


class Assessment(OrgScoped, Base):
    """A task of a course version. Dates are either absolute or day offsets from the (learner's) start."""

    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_content_position", "content_id", "position"),)

    id: Mapped[str] = id_column()
    content_id: Mapped[str] = fk_column("course_versions.id")
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(20))  # quiz | assignment | open-response
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[str | None] = mapped_column(Text)
    mark_type: Mapped[str | None] = mapped_column(String(20))  # percentage | points | grade | competency
    mark_number: Mapped[str | None] = mapped_column(String(40))
    points: Mapped[str | None] = mapped_column(String(40))
    duration_minutes: Mapped[int | None]
    max_attempts: Mapped[int | None]
    hidden: Mapped[bool] = mapped_column(default=False)
    pid: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    filename: Mapped[str | None] = mapped_column(String(300))
    themes: Mapped[list[Any]] = mapped_column(default=list)  # [{filter, numberOfQuestions}]
    total_questions: Mapped[int | None]
    open_date: Mapped[datetime | None]
    due_date: Mapped[datetime | None]
    open_offset_days: Mapped[int | None]
    due_offset_days: Mapped[int | None]
    created_at: Mapped[datetime]


class AssessmentSetting(OrgScoped, Base):
    """What one offering changed on an assessment (PATCH): null = the course's value."""

    __tablename__ = "assessment_settings"

    offering_id: Mapped[str] = fk_column("offerings.id", primary_key=True)
    assessment_id: Mapped[str] = fk_column("assessments.id", primary_key=True, index=True)
    content: Mapped[str | None] = mapped_column(Text)
    open_date: Mapped[datetime | None]
    due_date: Mapped[datetime | None]
    mark_number: Mapped[str | None] = mapped_column(String(40))
    mark_type: Mapped[str | None] = mapped_column(String(20))
    # Course-level documents this offering removed.
    removed_document_ids: Mapped[list[str]] = mapped_column(default=list)
    updated_at: Mapped[datetime]


class AssessmentDocument(OrgScoped, Base):
    """A brief or attachment of an assessment: for every offering (offering_id null) or for one."""

    __tablename__ = "assessment_documents"
    __table_args__ = (Index("ix_assessment_documents_assessment", "assessment_id", "created_at"),)

    id: Mapped[str] = id_column()
    assessment_id: Mapped[str] = fk_column("assessments.id")
    offering_id: Mapped[str | None] = fk_column("offerings.id", index=True)
    filename: Mapped[str] = mapped_column(String(300))
    mimetype: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    url: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime]


class AssessmentDueOverride(OrgScoped, Base):
    """A learner's own due date for a quiz in an offering."""

    __tablename__ = "assessment_due_overrides"
    __table_args__ = (Index("ix_assessment_due_overrides_user", "offering_id", "user_id"),)

    offering_id: Mapped[str] = fk_column("offerings.id", primary_key=True)
    assessment_id: Mapped[str] = fk_column("assessments.id", primary_key=True, index=True)
    user_id: Mapped[str] = fk_column("users.id", primary_key=True, index=True)
    due_date: Mapped[datetime]
    updated_at: Mapped[datetime]


class Submission(OrgScoped, Base):
    """A learner's work on an assignment or open-response assessment: draft -> submitted -> marked."""

    __tablename__ = "assessment_submissions"
    __table_args__ = (
        Index("uq_assessment_submissions_key", "offering_id", "assessment_id", "user_id", unique=True),
        Index("ix_assessment_submissions_user", "offering_id", "user_id"),
        sqlite_listing(
            "ix_assessment_submissions_listing", "offering_id", "assessment_id", "status", "org_id", "user_id", "id",
            "submitted_at",
        ),
    )

    id: Mapped[str] = id_column()
    offering_id: Mapped[str] = fk_column("offerings.id")
    assessment_id: Mapped[str] = fk_column("assessments.id", index=True)
    user_id: Mapped[str] = fk_column("users.id", index=True)
    status: Mapped[str] = mapped_column(String(20))  # draft | submitted | marked
    html: Mapped[str | None] = mapped_column(Text)
    files: Mapped[list[Any]] = mapped_column(default=list)  # Document objects
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    created_at: Mapped[datetime]


class Mark(OrgScoped, Base):
    """A mark given to a submission, with the history of (re)marks and feedback entries."""

    __tablename__ = "assessment_marks"
    __table_args__ = (
        Index("ix_assessment_marks_submission", "submission_id", "created_at"),
        sqlite_listing(
            "ix_assessment_marks_listing", "submission_id", "created_at", "id", "org_id", "mark", "feedback",
            "updated_at", "by_facilitator", "by_marker", "by_evaluator", "marker_user_id",
        ),
    )

    id: Mapped[str] = id_column()
    submission_id: Mapped[str] = fk_column("assessment_submissions.id")
    mark: Mapped[str | None] = mapped_column(String(40))
    feedback: Mapped[str | None] = mapped_column(Text)
    marker_user_id: Mapped[str | None] = fk_column("users.id", ondelete="SET NULL", index=True)
    by_facilitator: Mapped[bool] = mapped_column(default=False)
    by_marker: Mapped[bool] = mapped_column(default=False)
    by_evaluator: Mapped[bool] = mapped_column(default=False)
    # [{id, mark, feedback, markerId, createdAt (ISO)}], oldest first; the first entry is the mark itself.
    history: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class QuizAttempt(OrgScoped, Base):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        Index("ix_quiz_attempts_key", "offering_id", "assessment_id", "user_id", "attempted_at"),
        Index("ix_quiz_attempts_user", "offering_id", "user_id"),
    )

    id: Mapped[str] = id_column()
    offering_id: Mapped[str] = fk_column("offerings.id")
    assessment_id: Mapped[str] = fk_column("assessments.id", index=True)
    user_id: Mapped[str] = fk_column("users.id", index=True)
    mark: Mapped[str] = mapped_column(String(40))  # percent, as a string
    attempted_at: Mapped[datetime]


class Activity(OrgScoped, Base):
    """A non-assessed open-response activity of a course version."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_content_position", "content_id", "position"),)

    id: Mapped[str] = id_column()
    content_id: Mapped[str] = fk_column("course_versions.id")
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    time_minutes: Mapped[float | None]
    created_at: Mapped[datetime]


class ActivityAttempt(OrgScoped, Base):
    __tablename__ = "activity_attempts"
    __table_args__ = (
        Index("ix_activity_attempts_offering", "offering_id", "created_at"),
        Index("ix_activity_attempts_user", "offering_id", "user_id"),
    )

    id: Mapped[str] = id_column()
    offering_id: Mapped[str] = fk_column("offerings.id")
    activity_id: Mapped[str] = fk_column("activities.id", index=True)
    user_id: Mapped[str] = fk_column("users.id", index=True)
    response_text: Mapped[str | None] = mapped_column(Text)
    uploaded_files: Mapped[list[Any]] = mapped_column(default=list)  # [{filename, mimetype, size, url}]
    feedback_text: Mapped[str | None] = mapped_column(Text)
    feedback_user_id: Mapped[str | None] = fk_column("users.id", ondelete="SET NULL", index=True)
    created_at: Mapped[datetime]


__all__ = [
    "Activity",
    "ActivityAttempt",
    "Assessment",
    "AssessmentDocument",
    "AssessmentDueOverride",
    "AssessmentSetting",
    "Mark",
    "QuizAttempt",
    "Submission",
]
