"""Analytics reads: one joined, column-only query per list, driven by the offering (indexes lead with offering_id).

Whole entities are not loaded: a list of thousands of rows only fetches the columns it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import aliased

from openqualify.server.assessments.repository import handed_in
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
from openqualify.server.kit.json_rows import wire_time
from openqualify.server.kit.reads import TENANT, AnyRow, ReadContext, Reads, org_scope, registered
from openqualify.server.kit.repository import Repository

# The learner columns of every row, in `_LEARNER` order.
_LEARNER = (User.email, User.first_name, User.last_name, User.person_id)


_COURSE_NAME = registered(select(Course.name).where(Course.id == bindparam("course_id"), org_scope(Course)))


async def read_course_name(reads: Reads, course_id: str) -> str | None:
    """The course's name (the analytics rows' `courseName`)."""
    name: str | None = await reads.scalar(_COURSE_NAME, course_id=course_id)
    return name


class AssessmentDataRepository(Repository):
    """Analytics queries of the write path's session (console views, counts); the lists are read below."""

    async def user_emails(self, ids: set[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = await self.session.execute(select(User.id, User.email).where(User.id.in_(ids)))
        return {user_id: email for user_id, email in rows}

    async def learner_work(self, user_id: str) -> Sequence[Any]:
        """A user's submissions in every offering, one row per mark (oldest first) or one with no mark: offering id,
        offering name, assessment id, title, type, status, submitted_at, mark, feedback (the latest), marked_at (the
        mark's updated_at). Ordered by offering start, then course order."""
        statement = (
            select(
                Offering.id.label("offering_id"),
                Offering.name.label("offering_name"),
                Assessment.id.label("assessment_id"),
                Assessment.title,
                Assessment.type,
                Submission.status,
                Submission.submitted_at,
                Mark.mark,
                Mark.feedback,
                Mark.updated_at.label("marked_at"),
            )
            .select_from(Submission)
            .join(Offering, Offering.id == Submission.offering_id)
            .join(Assessment, Assessment.id == Submission.assessment_id)
            .outerjoin(Mark, Mark.submission_id == Submission.id)
            .where(Submission.user_id == user_id)
            .order_by(Offering.start, Offering.id, Assessment.position, Assessment.id, Mark.created_at, Mark.id)
        )
        return await self.rows(statement)

    async def learner_quiz_attempts(self, user_id: str) -> Sequence[Any]:
        """A user's quiz attempts in every offering, oldest first per quiz: offering id, offering name, quiz id,
        title, mark, attempted_at."""
        statement = (
            select(
                Offering.id.label("offering_id"),
                Offering.name.label("offering_name"),
                Assessment.id.label("assessment_id"),
                Assessment.title,
                QuizAttempt.mark,
                QuizAttempt.attempted_at,
            )
            .select_from(QuizAttempt)
            .join(Offering, Offering.id == QuizAttempt.offering_id)
            .join(Assessment, Assessment.id == QuizAttempt.assessment_id)
            .where(QuizAttempt.user_id == user_id)
            .order_by(Offering.start, Offering.id, Assessment.position, Assessment.id, QuizAttempt.attempted_at)
        )
        return await self.rows(statement)


def _assignment_rows_statement(*, marked_only: bool) -> Any:
    marker = aliased(User)
    return registered(
        select(
            Submission.id,
            Submission.assessment_id,
            wire_time(Submission.submitted_at),
            *_LEARNER,
            Mark.mark,
            Mark.feedback,
            wire_time(Mark.updated_at),
            Mark.by_facilitator,
            Mark.by_marker,
            Mark.by_evaluator,
            marker.email.label("marked_by"),
            Submission.user_id,
        )
        .select_from(Submission)
        .join(Assessment, and_(Assessment.id == Submission.assessment_id, org_scope(Assessment)))
        .join(User, and_(User.id == Submission.user_id, org_scope(User)))
        .join(Mark, and_(Mark.submission_id == Submission.id, org_scope(Mark)), isouter=not marked_only)
        .outerjoin(marker, and_(marker.id == Mark.marker_user_id, marker.org_id == TENANT))
        .where(
            Submission.offering_id == bindparam("offering_id"),
            handed_in(),
            Assessment.content_id == bindparam("content_id"),
            Assessment.type != "quiz",
            org_scope(Submission),
        )
        .order_by(Assessment.position, Assessment.id, User.email_key, Submission.id, Mark.created_at, Mark.id)
    )


_HANDED_IN = _assignment_rows_statement(marked_only=False)
_MARKED = _assignment_rows_statement(marked_only=True)


async def read_assignment_rows(ctx: Reads, offering: Any, *, marked_only: bool) -> Sequence[AnyRow]:
    """Handed-in assignment and open-response submissions of the offering (assessment then e-mail order), one
    row per mark (oldest first), or one row with no mark (mark columns None) unless `marked_only`; on the read
    path, date-times as wire text.

    Columns: submission id, assessment_id, submitted_at, email, first_name, last_name, person_id, mark, feedback
    (its latest text: the sandbox keeps it so), updated_at, by_facilitator, by_marker, by_evaluator, marker email,
    the learner's user id.

    The caller keeps each submission's last row (its latest mark). Submissions have one mark or a few, and one
    index probe per submission on `ix_assessment_marks_submission` is cheaper than selecting the latest in SQL
    (a correlated subquery measured 3x slower on PostgreSQL: a second probe per submission).
    """
    statement = _MARKED if marked_only else _HANDED_IN
    return await ctx.rows(statement, offering_id=offering.id, content_id=offering.content_id)


def _submissions_statement(*, one_user: bool) -> Any:
    conditions = [
        Submission.offering_id == bindparam("offering_id"),
        Submission.assessment_id == bindparam("assessment_id"),
        org_scope(Submission),
    ]
    if one_user:
        conditions.append(Submission.user_id == bindparam("user_id"))
    return registered(
        select(
            Submission.id,
            wire_time(Submission.submitted_at),
            Submission.status,
            Submission.html,
            Submission.files,
            *_LEARNER,
            Mark.id,
            Mark.mark,
            Mark.feedback,
            Mark.marker_user_id,
            Mark.history,
            wire_time(Mark.created_at),
        )
        .select_from(Submission)
        .join(User, and_(User.id == Submission.user_id, org_scope(User)))
        .outerjoin(Mark, and_(Mark.submission_id == Submission.id, org_scope(Mark)))
        .where(*conditions)
        .order_by(User.email_key, Submission.id, Mark.created_at, Mark.id)
    )


_SUBMISSIONS = {one_user: _submissions_statement(one_user=one_user) for one_user in (False, True)}


async def read_assessment_submissions(
    ctx: ReadContext, offering_id: str, assessment_id: str, user_id: str | None = None
) -> Sequence[AnyRow]:
    """Submissions to one assessment (e-mail order), one row per mark (oldest first) or one with no mark, on
    the read path.

    Columns: submission id, submitted_at, status, html, files, email, first_name, last_name, person_id, then the
    mark's id, mark, feedback, marker_user_id, history, created_at (None without a mark); times as wire text.
    """
    params = {"offering_id": offering_id, "assessment_id": assessment_id}
    if user_id is not None:
        params["user_id"] = user_id
    return await ctx.rows(_SUBMISSIONS[user_id is not None], **params)


_QUIZ_ATTEMPTS = registered(
    select(
        QuizAttempt.assessment_id,
        Assessment.title,
        *_LEARNER,
        QuizAttempt.mark,
        wire_time(QuizAttempt.attempted_at),
    )
    .select_from(QuizAttempt)
    .join(Assessment, and_(Assessment.id == QuizAttempt.assessment_id, org_scope(Assessment)))
    .join(User, and_(User.id == QuizAttempt.user_id, org_scope(User)))
    .where(
        QuizAttempt.offering_id == bindparam("offering_id"),
        Assessment.content_id == bindparam("content_id"),
        org_scope(QuizAttempt),
    )
    .order_by(Assessment.position, Assessment.id, User.email_key, QuizAttempt.attempted_at, QuizAttempt.id)
)


async def read_quiz_attempts(ctx: ReadContext, offering: Any) -> Sequence[AnyRow]:
    """Quiz attempts of the offering, grouped by quiz and learner, oldest first, on the read path: quiz id, quiz
    title, email, first_name, last_name, person_id, mark, attempted_at (wire text)."""
    return await ctx.rows(_QUIZ_ATTEMPTS, offering_id=offering.id, content_id=offering.content_id)


_facilitator = aliased(User)
_ACTIVITY_ATTEMPTS = registered(
    select(
        ActivityAttempt.activity_id,
        User.email,
        ActivityAttempt.response_text,
        ActivityAttempt.uploaded_files,
        ActivityAttempt.feedback_text,
        _facilitator.email.label("facilitator_email"),
    )
    .select_from(ActivityAttempt)
    .join(Activity, and_(Activity.id == ActivityAttempt.activity_id, org_scope(Activity)))
    .join(User, and_(User.id == ActivityAttempt.user_id, org_scope(User)))
    .outerjoin(_facilitator, and_(_facilitator.id == ActivityAttempt.feedback_user_id, _facilitator.org_id == TENANT))
    .where(
        ActivityAttempt.offering_id == bindparam("offering_id"),
        Activity.content_id == bindparam("content_id"),
        org_scope(ActivityAttempt),
    )
    .order_by(Activity.position, Activity.id, User.email_key, ActivityAttempt.created_at, ActivityAttempt.id)
)


async def read_activity_attempts(ctx: ReadContext, offering: Any) -> Sequence[AnyRow]:
    """Open-response activity attempts on the read path: activity_id, email, response_text, uploaded_files,
    feedback_text and the e-mail of whoever gave feedback."""
    return await ctx.rows(_ACTIVITY_ATTEMPTS, offering_id=offering.id, content_id=offering.content_id)


