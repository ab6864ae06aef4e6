"""An offering's assessments: where every learner stands (pending, submitted, marked), the marks given, and quiz
attempts. Built from what the API lists (assessments, quiz marks) and, for handed-in work, a lean read of the same
rows as `/analytics/submissions/assignments` (the list itself runs to megabytes for an offering of thousands)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openqualify.server.assessment_data import service as assessment_data
from openqualify.server.assessment_data.repository import read_assignment_rows
from openqualify.server.assessments import service as assessments
from openqualify.server.console import charts
from openqualify.server.console.sheets import Sheet
from openqualify.server.console.views.common import PERCENT_BIN_NOTE, PERCENT_BINS, binned, parse_number
from openqualify.server.kit.reads import ReadContext
from openqualify.server.memberships.repository import MembershipRepository
from openqualify.server.offerings.lookup import get_offering_row

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
    marks: charts.Figure


@dataclass(frozen=True, slots=True)
class QuizPanel:
    id: str
    title: str
    learners: int  # who attempted it
    mean: float | None  # of the last attempts
    attempts: int
    marks: charts.Figure
    attempts_chart: charts.Figure


@dataclass(frozen=True, slots=True)
class AssessmentsView:
    offering_id: str
    learners: int
    status: charts.Figure
    assessments: list[AssessmentPanel]
    quizzes: list[QuizPanel]

    def sheets(self) -> list[Sheet]:
        return [
            Sheet("assessments", ["Assessment id", "Assessment", "Type", "Mark type", "Out of", "Due", "Pending",
                                  "Submitted, not marked", "Marked", "Mean mark"],
                  lambda: [[a.id, a.title, a.type, a.mark_type, a.mark_number, a.due, a.pending, a.submitted,
                            a.marked, None if a.mean is None else round(a.mean, 2)] for a in self.assessments]),
            Sheet("quizzes", ["Quiz id", "Quiz", "Learners who attempted it", "Attempts", "Mean last mark (%)"],
                  lambda: [[q.id, q.title, q.learners, q.attempts, None if q.mean is None else round(q.mean, 2)]
                           for q in self.quizzes]),
        ]


def marks_chart(
    title: str, mark_type: str | None, mark_number: str | None, marks: Sequence[str], name: str,
    placement: str = charts.PANEL,
) -> charts.Figure:
    """Each learner's latest mark as a histogram: a bar per point when out of at most 20 whole points, else in the
    percentage bins of completion (points as a percentage of the scale); grades and competencies as a bar per
    value."""
    numbers = [parse_number(m) for m in marks]
    if marks and all(n is not None for n in numbers):
        values = [n for n in numbers if n is not None]
        scale = parse_number(mark_number) if mark_type == "points" else None
        if scale and scale > 0 and scale <= MAX_INTEGER_BINS and scale.is_integer() and all(
            v.is_integer() and 0 <= v <= scale for v in values
        ):
            points = Counter(int(v) for v in values)
            bins = [(str(i), points.get(i, 0)) for i in range(int(scale) + 1)]
            return charts.histogram(title, bins, x_label="Points", y_label="Learners", css="s1",
                                    placement=placement, name=name)
        if scale and scale > 0:
            percents = [v * 100 / scale for v in values]
            axis = f"Mark (% of {charts.number(scale)} points)"
        else:
            percents, axis = values, "Mark (%)"
        bins = list(zip(PERCENT_BINS, binned((p, 1) for p in percents), strict=True))
        return charts.histogram(title, bins, x_label=axis, y_label="Learners", css="s1", placement=placement,
                                note=PERCENT_BIN_NOTE, name=name)
    counts = Counter(marks)
    order = sorted(counts, key=lambda m: (GRADE_ORDER.index(m) if m in GRADE_ORDER else len(GRADE_ORDER), m))
    return charts.histogram(title, [(m, counts[m]) for m in order], x_label="Mark", y_label="Learners", css="s1",
                            placement=placement, name=name)


async def assessments_view(ctx: ReadContext, offering_id: str) -> AssessmentsView:
    listed = await assessments.list_assessments(ctx, offering_id)  # 404 first, as the API answers
    offering = await get_offering_row(ctx, offering_id)
    learners = await MembershipRepository(await ctx.session()).learner_ids(offering.id)
    # Each handed-in submission with its latest mark (rows come one per mark, oldest first): the rows of
    # `/analytics/submissions/assignments`; a mark's `updated_at` is never null.
    latest: dict[str, tuple[str, str, bool, str | None]] = {}
    for row in await read_assignment_rows(ctx, offering, marked_only=False):
        latest[row.id] = (row.assessment_id, row.user_id, row.updated_at is not None, row.mark)
    by_assessment: dict[str, list[tuple[str, bool, str | None]]] = defaultdict(list)
    for assessment_id, user_id, marked, mark in latest.values():
        by_assessment[assessment_id].append((user_id, marked, mark))

    panels: list[AssessmentPanel] = []
    for item in listed:
        if item.type == "quiz":
            continue
        index = len(panels) + 1
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
                marks=marks_chart(f"Marks: {item.title}", item.markType, item.markNumber, marks, f"marks-{index}"),
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
        placement=charts.FULL,
        name="work",
    )
    quizzes = _quizzes(await assessment_data.quiz_marks(ctx, offering_id))
    return AssessmentsView(offering.id, len(learners), status, panels, quizzes)


def _quizzes(rows: Sequence[dict[str, object]]) -> list[QuizPanel]:
    """One panel per quiz, from `/analytics/marks/quizzes` rows (one per learner: last mark, attempts)."""
    grouped: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        grouped.setdefault(str(row["quizId"]), []).append(row)
    panels: list[QuizPanel] = []
    for index, (quiz_id, quiz_rows) in enumerate(grouped.items(), 1):
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
                marks=marks_chart(f"Last-attempt marks: {title}", "percentage", None, marks, f"quiz-marks-{index}",
                                  charts.PAIR),
                attempts_chart=charts.histogram(
                    f"Attempts per learner: {title}",
                    [(label, attempts.get(i + 1, 0)) for i, label in enumerate(ATTEMPT_BINS)],
                    x_label="Attempts",
                    y_label="Learners",
                    css="s3",
                    placement=charts.PAIR,
                    name=f"quiz-attempts-{index}",
                ),
            )
        )
    return panels
