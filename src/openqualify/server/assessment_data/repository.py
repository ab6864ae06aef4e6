"""Analytics reads: one joined query per list, bounded by the offering (indexes lead with offering_id)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from openqualify.server.db.models import (
    Activity,
    ActivityAttempt,
    Assessment,
    Course,
    Mark,
    Offering,
    QuizAttempt,
    Submission,
    User,
)

SubmissionRow = tuple[Submission, User, Mark | None]


async def course_name(session: AsyncSession, offering: Offering) -> str | None:
    return (await session.execute(select(Course.name).where(Course.id == offering.course_id))).scalar_one_or_none()


def _submissions() -> Select[Any]:
    """Submissions with their learner and each of their marks (one row per mark, or one with no mark)."""
    return (
        select(Submission, User, Mark)
        .join(User, User.id == Submission.user_id)
        .outerjoin(Mark, Mark.submission_id == Submission.id)
    )


def _group(rows: Sequence[Any]) -> list[tuple[Submission, User, list[Mark]]]:
    """Fold (submission, user, mark) rows, ordered by submission then mark, into one entry per submission."""
    grouped: list[tuple[Submission, User, list[Mark]]] = []
    for submission, user, mark in rows:
        if not grouped or grouped[-1][0].id != submission.id:
            grouped.append((submission, user, []))
        if mark is not None:
            grouped[-1][2].append(mark)
    return grouped


async def offering_submissions(
    session: AsyncSession, offering: Offering, *, statuses: Sequence[str], exclude_type: str | None = None
) -> list[tuple[Submission, User, list[Mark]]]:
    """Every submission in the offering with the given statuses, in course then e-mail order, with marks."""
    statement = (
        _submissions()
        .join(Assessment, Assessment.id == Submission.assessment_id)
        .where(
            Submission.offering_id == offering.id,
            Submission.status.in_(statuses),
            Assessment.content_id == offering.content_id,
        )
        .order_by(Assessment.position, Assessment.id, User.email_key, Submission.id, Mark.created_at, Mark.id)
    )
    if exclude_type is not None:
        statement = statement.where(Assessment.type != exclude_type)
    return _group((await session.execute(statement)).all())


async def assessment_submissions(
    session: AsyncSession, offering_id: str, assessment_id: str, user_id: str | None = None
) -> list[tuple[Submission, User, list[Mark]]]:
    statement = _submissions().where(Submission.offering_id == offering_id, Submission.assessment_id == assessment_id)
    if user_id is not None:
        statement = statement.where(Submission.user_id == user_id)
    statement = statement.order_by(User.email_key, Submission.id, Mark.created_at, Mark.id)
    return _group((await session.execute(statement)).all())


async def quiz_attempts(session: AsyncSession, offering: Offering) -> list[tuple[QuizAttempt, Assessment, User]]:
    """Quiz attempts of the offering, grouped by quiz and learner, oldest first."""
    rows = await session.execute(
        select(QuizAttempt, Assessment, User)
        .join(Assessment, Assessment.id == QuizAttempt.assessment_id)
        .join(User, User.id == QuizAttempt.user_id)
        .where(QuizAttempt.offering_id == offering.id, Assessment.content_id == offering.content_id)
        .order_by(Assessment.position, Assessment.id, User.email_key, QuizAttempt.attempted_at, QuizAttempt.id)
    )
    return [(a, q, u) for a, q, u in rows.all()]


async def activity_attempts(
    session: AsyncSession, offering: Offering
) -> list[tuple[ActivityAttempt, User, str | None]]:
    """Open-response activity attempts with their learner and the e-mail of whoever gave feedback."""
    facilitator = aliased(User)
    rows = await session.execute(
        select(ActivityAttempt, User, facilitator.email)
        .join(Activity, Activity.id == ActivityAttempt.activity_id)
        .join(User, User.id == ActivityAttempt.user_id)
        .outerjoin(facilitator, facilitator.id == ActivityAttempt.feedback_user_id)
        .where(ActivityAttempt.offering_id == offering.id, Activity.content_id == offering.content_id)
        .order_by(Activity.position, Activity.id, User.email_key, ActivityAttempt.created_at, ActivityAttempt.id)
    )
    return [(a, u, e) for a, u, e in rows.all()]
