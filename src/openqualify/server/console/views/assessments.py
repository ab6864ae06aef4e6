"""An offering's assessments: where every learner stands (pending, submitted, marked), the marks given, and quiz
attempts. Built from what the API lists (assessments, quiz marks) and, for handed-in work, a lean read of the same
rows as `/analytics/submissions/assignments` (the list itself runs to megabytes for an offering of thousands)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openqualify.server.assessment_data import service as assessment_data
from openqualify.server.assessment_data.repository import AssessmentDataRepository
from openqualify.server.assessments import service as assessments
from openqualify.server.console import charts
from openqualify.server.console.views.common import DASH, parse_number
from openqualify.server.kit.reads import ReadContext
from openqualify.server.memberships.repository import MembershipRepository
from openqualify.server.offerings.lookup import get_offering

GRADE_ORDER = ("A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "E", "F")
MAX_INTEGER_BINS = 20  # points out of at most this many: one bar per point
ATTEMPT_BINS = ("1", "2", "3", "4+")


@dataclass(frozen=True, slots=True)
class AssessmentPanel:
    id: str
    title: str
    type: str
    mark_type: str | None
    mark_number: str | None
    due: datetime | None
    pending: int
    submitted: int
    marked: int
    mean: float | None
    marks: charts.Chart


@dataclass(frozen=True, slots=True)
class QuizPanel:
    id: str
    title: str
    learners: int  # who attempted it
    mean: float | None  # of the last attempts
    attempts: int
    marks: charts.Chart
    attempts_chart: charts.Chart


@dataclass(frozen=True, slots=True)
class AssessmentsView:
    offering_id: str
    learners: int
    status: charts.Chart
    assessments: list[AssessmentPanel]
    quizzes: list[QuizPanel]


def _tenths(top: float) -> list[str]:
    """Labels of ten equal bins from 0 to `top`."""
    edges = [charts.number(round(i * top / 10, 1)) for i in range(11)]
    return [f"{edges[i]}{DASH}{edges[i + 1]}" for i in range(10)]


def marks_chart(title: str, mark_type: str | None, mark_number: str | None, marks: Sequence[str]) -> charts.Chart:
    """Numeric marks as a histogram (per point when out of few points, else in tenths of the scale); grades and
    competencies as a bar per value."""
    numbers = [parse_number(m) for m in marks]
    if marks and all(n is not None for n in numbers):
        values = [n for n in numbers if n is not None]
        scale = parse_number(mark_number) if mark_type == "points" else 100.0
        top = max(scale or 0.0, max(values))
        if top <= MAX_INTEGER_BINS and all(v.is_integer() for v in values):
            points = Counter(int(v) for v in values)
            bins = [(str(i), points.get(i, 0)) for i in range(int(top) + 1)]
        else:
            tenths = Counter(min(9, math.floor(v / top * 10)) if top else 0 for v in values)
            bins = [(label, tenths.get(i, 0)) for i, label in enumerate(_tenths(top))]
        axis = "Points" if mark_type == "points" else "Mark (%)"
        return charts.histogram(title, bins, x_label=axis, y_label="Submissions", css="s1", width=charts.PANEL)
    counts = Counter(marks)
    order = sorted(counts, key=lambda m: (GRADE_ORDER.index(m) if m in GRADE_ORDER else len(GRADE_ORDER), m))
    return charts.histogram(title, [(m, counts[m]) for m in order], x_label="Mark", y_label="Submissions", css="s1",
                            width=charts.PANEL)


async def assessments_view(ctx: ReadContext, offering_id: str) -> AssessmentsView:
    listed = await assessments.list_assessments(ctx, offering_id)  # 404 first, as the API answers
    session = await ctx.session()
    offering = await get_offering(session, offering_id)
    learners = await MembershipRepository(session).learner_ids(offering.id)
    # Each handed-in submission with its latest mark (rows come one per mark, oldest first).
    latest: dict[str, tuple[str, str, bool, str | None]] = {}
    handed_in = await AssessmentDataRepository(session).handed_in_marks(offering)
    for assessment_id, submission_id, user_id, mark_id, mark in handed_in:
        latest[submission_id] = (assessment_id, user_id, mark_id is not None, mark)
    by_assessment: dict[str, list[tuple[str, bool, str | None]]] = defaultdict(list)
    for assessment_id, user_id, marked, mark in latest.values():
        by_assessment[assessment_id].append((user_id, marked, mark))

    panels = []
    for item in listed:
        if item.type == "quiz":
            continue
        work = by_assessment.get(item.id, [])
        marks = [mark for _, marked, mark in work if marked and mark is not None]
        numbers = [n for n in map(parse_number, marks) if n is not None]
        marked_count = sum(1 for _, marked, _ in work if marked)
        panels.append(
            AssessmentPanel(
                id=item.id,
                title=item.title,
                type=item.type,
                mark_type=item.markType,
                mark_number=item.markNumber,
                due=item.dueDate,
                pending=len(learners - {user_id for user_id, _, _ in work}),
                submitted=len(work) - marked_count,
                marked=marked_count,
                mean=sum(numbers) / len(numbers) if numbers and len(numbers) == len(marks) else None,
                marks=marks_chart(f"Marks: {item.title}", item.markType, item.markNumber, marks),
            )
        )
    status = charts.bars(
        "Learners' work per assessment",
        [p.title for p in panels],
        [
            charts.Series("Marked", [p.marked for p in panels], "ok"),
            charts.Series("Submitted, not marked", [p.submitted for p in panels], "warn"),
            charts.Series("Pending", [p.pending for p in panels], "muted"),
        ],
        stacked=True,
        horizontal=True,
        x_label="Assessment",
        y_label="Learners",
        width=charts.WIDE,
    )
    quizzes = _quizzes(await assessment_data.quiz_marks(ctx, offering_id))
    return AssessmentsView(offering.id, len(learners), status, panels, quizzes)


def _quizzes(rows: Sequence[dict[str, object]]) -> list[QuizPanel]:
    """One panel per quiz, from `/analytics/marks/quizzes` rows (one per learner: last mark, attempts)."""
    grouped: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        grouped.setdefault(str(row["quizId"]), []).append(row)
    panels = []
    for quiz_id, quiz_rows in grouped.items():
        title = str(quiz_rows[0]["quizTitle"])
        marks = [str(row["mark"]) for row in quiz_rows if row.get("mark") is not None]
        numbers = [n for n in map(parse_number, marks) if n is not None]
        attempts = Counter(min(4, int(str(row["attempts"]))) for row in quiz_rows)
        panels.append(
            QuizPanel(
                id=quiz_id,
                title=title,
                learners=len(quiz_rows),
                mean=sum(numbers) / len(numbers) if numbers else None,
                attempts=sum(int(str(row["attempts"])) for row in quiz_rows),
                marks=marks_chart(f"Last-attempt marks: {title}", "percentage", None, marks),
                attempts_chart=charts.histogram(
                    f"Attempts per learner: {title}",
                    [(label, attempts.get(i + 1, 0)) for i, label in enumerate(ATTEMPT_BINS)],
                    x_label="Attempts",
                    y_label="Learners",
                    css="s3",
                    width=charts.PANEL,
                ),
            )
        )
    return panels
