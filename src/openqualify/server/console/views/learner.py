"""A learner's page: their offerings with progress, their marks and feedback, quiz attempts, badges and expiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openqualify.server.assessment_data.repository import AssessmentDataRepository
from openqualify.server.badges import service as badges
from openqualify.server.console import charts
from openqualify.server.console.sheets import Sheet
from openqualify.server.console.views.common import (
    OrgBar,
    as_datetime,
    bucket_of,
    org_bar,
    parse_number,
)
from openqualify.server.console.views.overview import role_of
from openqualify.server.kit.deps import valid_email
from openqualify.server.kit.reads import ReadContext
from openqualify.server.memberships.repository import MembershipRepository
from openqualify.server.progress.repository import ProgressRepository
from openqualify.server.users.lookup import get_user
from openqualify.server.users.schemas import full_name


@dataclass(frozen=True, slots=True)
class MembershipLine:
    offering_id: str
    name: str
    role: str
    bucket: str
    start: datetime
    end: datetime | None
    completion: int | None  # learners only
    last_login: datetime | None
    enrolled: datetime


@dataclass(frozen=True, slots=True)
class WorkLine:
    offering_id: str
    offering_name: str
    title: str
    type: str
    status: str
    submitted: datetime | None
    mark: str | None
    feedback: str | None
    marked: datetime | None


@dataclass(frozen=True, slots=True)
class QuizLine:
    offering_id: str
    offering_name: str
    title: str
    attempts: int
    last_mark: str
    best_mark: str
    last_at: datetime


@dataclass(frozen=True, slots=True)
class BadgeLine:
    offering_id: str
    offering_name: str
    title: str
    awarded: datetime
    expires: datetime | None
    status: str  # active | expired | no expiry


@dataclass(frozen=True, slots=True)
class LearnerView:
    org: OrgBar
    email: str
    name: str
    person_id: str | None
    suspended: bool
    roles: list[str]  # organisation permissions (builder, manager)
    last_access: datetime | None
    memberships: list[MembershipLine]
    mean_completion: float | None  # over the offerings they learn in that have started (current and past)
    progress: charts.Figure
    work: list[WorkLine]
    quizzes: list[QuizLine]
    badges: list[BadgeLine]

    @property
    def csv_subject(self) -> str:
        return self.email

    def sheets(self) -> list[Sheet]:
        return [
            Sheet("offerings", ["Offering id", "Offering", "Role", "Status", "Starts", "Ends", "Completion (%)",
                                "Last login", "Enrolled at"],
                  lambda: [[m.offering_id, m.name, m.role, m.bucket, m.start, m.end, m.completion, m.last_login,
                            m.enrolled] for m in self.memberships]),
            Sheet("work", ["Offering id", "Offering", "Assessment", "Type", "Status", "Submitted at", "Mark",
                           "Feedback", "Marked at"],
                  lambda: [[w.offering_id, w.offering_name, w.title, w.type, w.status, w.submitted, w.mark,
                            w.feedback, w.marked] for w in self.work]),
            Sheet("quizzes", ["Offering id", "Offering", "Quiz", "Attempts", "Last mark", "Best mark",
                              "Last attempt at"],
                  lambda: [[q.offering_id, q.offering_name, q.title, q.attempts, q.last_mark, q.best_mark, q.last_at]
                           for q in self.quizzes]),
            Sheet("badges", ["Offering id", "Offering", "Badge", "Awarded at", "Expires at", "Status"],
                  lambda: [[b.offering_id, b.offering_name, b.title, b.awarded, b.expires, b.status]
                           for b in self.badges]),
        ]


async def learner_view(ctx: ReadContext, email: str) -> LearnerView:
    session = await ctx.session()
    user = await get_user(session, valid_email(email, "userEmail"))  # 400 / 404 as `GET /users/{userEmail}`
    now = ctx.principal.now()
    learning_in = await ProgressRepository(session).learner_offerings([user.id])
    completion = {offering_id: c for _, offering_id, _, c in learning_in}
    memberships = [
        MembershipLine(offering_id, name, role_of(facilitator, marker), bucket_of(start, end, now), start, end,
                       completion.get(offering_id, 0) if not facilitator and not marker else None, last_login,
                       enrolled)
        for offering_id, name, start, end, facilitator, marker, last_login, enrolled in
        await MembershipRepository(session).of_user(user.id)
    ]
    names = {m.offering_id: m.name for m in memberships}
    work = AssessmentDataRepository(session)
    learning = [m for m in memberships if m.completion is not None and m.bucket != "future"]
    return LearnerView(
        org=org_bar(ctx.principal),
        email=user.email,
        name=full_name(user.first_name, user.last_name) or "",
        person_id=user.person_id,
        suspended=user.suspended,
        roles=[role for role, held in (("builder", user.is_builder), ("manager", user.is_manager)) if held],
        last_access=user.last_access_at,
        memberships=memberships,
        mean_completion=sum(m.completion or 0 for m in learning) / len(learning) if learning else None,
        progress=charts.bars(
            "Completion per offering started",
            [m.name for m in learning],
            [charts.Series("Completion (%)", [m.completion or 0 for m in learning], "s1")],
            horizontal=True,
            x_label="Offering",
            y_label="Completion (%)",
            hrefs=[f"/console/offerings/{m.offering_id}" for m in learning],
            placement=charts.SIDE,
            value_max=100,
            name="completion",
        ),
        work=_work(await work.learner_work(user.id)),
        quizzes=_quizzes(await work.learner_quiz_attempts(user.id)),
        badges=[_badge(b, names, now) for b in await badges.user_badges(session, user.email)],
    )


def _work(rows: Any) -> list[WorkLine]:
    """One line per submission with its latest mark (rows come one per mark, oldest first)."""
    lines: dict[tuple[str, str], WorkLine] = {}
    for row in rows:
        lines[(row.offering_id, row.assessment_id)] = WorkLine(
            row.offering_id, row.offering_name, row.title, row.type, row.status, row.submitted_at, row.mark,
            row.feedback if row.marked_at is not None else None, row.marked_at,  # its latest feedback (decision A7)
        )
    return list(lines.values())


def _quizzes(rows: Any) -> list[QuizLine]:
    grouped: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        grouped.setdefault((row.offering_id, row.assessment_id), []).append(row)
    lines = []
    for attempts in grouped.values():
        last = attempts[-1]
        best = max(attempts, key=lambda a: parse_number(a.mark) or 0.0)
        lines.append(QuizLine(last.offering_id, last.offering_name, last.title, len(attempts), last.mark, best.mark,
                              last.attempted_at))
    return lines


def _badge(badge: Any, names: dict[str, str], now: datetime) -> BadgeLine:
    expiry = badge.badgeExpiry
    expires = as_datetime(expiry.expirationDate) if expiry.expires else None
    # An expiry past the calendar's end (no date) has not come yet.
    status = "no expiry" if not expiry.expires else ("expired" if expires is not None and expires < now else "active")
    return BadgeLine(badge.offeringId, names.get(badge.offeringId, badge.offeringId), badge.title, badge.awardedAt,
                     expires, status)
