"""The organisation overview: offerings by current/past/future with their outcome, completion across current
offerings, enrolments; all of it for a period (all time unless the reader picks one)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openqualify.server.console import charts
from openqualify.server.console.periods import WEEK, count_per_period, end_of, shift, start_of
from openqualify.server.console.sheets import Sheet
from openqualify.server.console.views.common import (
    BUCKET_TITLES,
    BUCKETS,
    COMPLETION_BINS,
    PERCENT_BIN_NOTE,
    OrgBar,
    binned,
    org_bar,
)
from openqualify.server.kit.reads import ReadContext
from openqualify.server.memberships.repository import MembershipRepository
from openqualify.server.offerings.views import bucket_counts, bucket_page, current_offerings, offerings_running
from openqualify.server.progress.repository import ProgressRepository
from openqualify.server.users.schemas import full_name

LIST_LIMIT = 25  # offerings listed per bucket (the total is shown beside; the CSV has them all)
CSV_LIMIT = 100_000  # rows of a CSV download of offerings or enrolments
RECENT_LIMIT = 12
CHART_OFFERINGS = 12  # current offerings in the per-offering chart
PRESETS = (("4w", "Last 4 weeks", 28), ("12w", "Last 12 weeks", 84), ("12m", "Last 12 months", 365))


@dataclass(frozen=True, slots=True)
class Period:
    """The days the overview looks at (UTC, both included); open ends mean all time."""

    first: date | None = None
    last: date | None = None
    preset: str = ""  # the preset chosen, if any
    refused: str = ""  # what could not be read as a date, shown to the reader

    @classmethod
    def from_params(cls, params: Mapping[str, str], today: date) -> Period:
        preset = params.get("period", "")
        for key, _, days in PRESETS:
            if preset == key:
                return cls(shift(today, -(days - 1)), today, key)
        refused = []
        bounds: list[date | None] = []
        for name in ("from", "to"):
            text = params.get(name, "").strip()
            try:
                bounds.append(date.fromisoformat(text) if text else None)
            except ValueError:
                refused.append(f"{name} {text[:40]!r}")
                bounds.append(None)
        first, last = bounds
        if first is not None and last is not None and first > last:
            first, last = last, first
        return cls(first, last, "", ", ".join(refused))

    @property
    def all_time(self) -> bool:
        return self.first is None and self.last is None

    @property
    def since(self) -> datetime | None:
        return None if self.first is None else start_of(self.first)

    @property
    def until(self) -> datetime | None:
        return None if self.last is None else end_of(self.last)

    def params(self) -> dict[str, str]:
        if self.preset:
            return {"period": self.preset}
        return {k: v.isoformat() for k, v in (("from", self.first), ("to", self.last)) if v is not None}

    @property
    def label(self) -> str:
        if self.preset:
            return next(title for key, title, _ in PRESETS if key == self.preset).lower()
        if self.all_time:
            return "all time"
        if self.first is None:
            return f"up to {self.last}"
        if self.last is None:
            return f"from {self.first}"
        return f"{self.first} to {self.last}"


@dataclass(frozen=True, slots=True)
class OfferingLine:
    id: str
    name: str
    start: datetime
    end: datetime | None
    learners: int
    mean_completion: float | None = None  # current and past offerings
    completed: int = 0

    @property
    def completed_share(self) -> float | None:
        return self.completed * 100 / self.learners if self.learners else None


@dataclass(frozen=True, slots=True)
class BucketView:
    key: str
    title: str
    total: int
    lines: list[OfferingLine]

    @property
    def more(self) -> int:
        return self.total - len(self.lines)

    @property
    def outcome(self) -> bool:
        return self.key != "future"


@dataclass(frozen=True, slots=True)
class Enrolment:
    at: datetime
    email: str
    name: str
    offering_id: str
    offering_name: str
    role: str


@dataclass(frozen=True, slots=True)
class Overview:
    org: OrgBar
    period: Period
    presets: tuple[tuple[str, str, int], ...]
    buckets: list[BucketView]
    current_people: int  # each person once
    current_enrolments: int  # learner places: a person in two current offerings counts twice
    current_completed: int
    enrolments_total: int
    completion: charts.Figure
    by_offering: charts.Figure
    enrolments: charts.Figure
    recent: list[Enrolment]  # the latest; every one of the period for a CSV download

    def sheets(self) -> list[Sheet]:
        enrolments = Sheet(
            "enrolments-list",
            ["Enrolled at", "E-mail", "Name", "Offering id", "Offering", "Role"],
            lambda: [[e.at, e.email, e.name, e.offering_id, e.offering_name, e.role] for e in self.recent],
        )
        return [*(_bucket_sheet(b) for b in self.buckets), enrolments]


def _bucket_sheet(bucket: BucketView) -> Sheet:
    outcome = ["Mean completion (%)", "Completed", "Completed (%)"] if bucket.outcome else []

    def rows() -> list[list[object]]:
        return [
            [o.id, o.name, o.start, o.end, o.learners,
             *([_round(o.mean_completion), o.completed, _round(o.completed_share)] if bucket.outcome else [])]
            for o in bucket.lines
        ]

    return Sheet(f"offerings-{bucket.key}", ["Offering id", "Offering", "Starts", "Ends", "Learners", *outcome], rows)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def role_of(is_facilitator: bool, is_marker: bool) -> str:
    if is_facilitator and is_marker:
        return "facilitator, marker"
    if is_facilitator:
        return "facilitator"
    return "marker" if is_marker else "learner"


async def overview(ctx: ReadContext, params: Mapping[str, str] | None = None) -> Overview:
    params = params or {}
    session = await ctx.session()
    now = ctx.principal.now()
    period = Period.from_params(params, now.date())
    full = "csv" in params
    running = offerings_running(period.since, period.until)
    # Completion of every current offering's learners, counted in SQL (≤ 101 rows per offering).
    per_offering: dict[str, list[tuple[int, int]]] = defaultdict(list)
    progress = ProgressRepository(session)
    for offering_id, completion, learners in await progress.completion_counts(current_offerings(now), *running):
        per_offering[offering_id].append((completion, learners))

    totals = await bucket_counts(session, now, *running)
    buckets = []
    for key in BUCKETS:
        rows = await bucket_page(session, key, now, CSV_LIMIT if full else LIST_LIMIT, *running)
        outcomes = await progress.outcomes([row.id for row in rows]) if key != "future" else {}
        buckets.append(BucketView(key, BUCKET_TITLES[key], totals[key], [_line(row, outcomes) for row in rows]))

    all_counts = [pair for pairs in per_offering.values() for pair in pairs]
    enrolments_total, enrolments = await _enrolments_chart(ctx, period)
    return Overview(
        org=org_bar(ctx.principal),
        period=period,
        presets=PRESETS,
        buckets=buckets,
        current_people=await progress.people_learning(current_offerings(now), *running),
        current_enrolments=sum(n for _, n in all_counts),
        current_completed=sum(n for c, n in all_counts if c >= 100),
        enrolments_total=enrolments_total,
        completion=charts.histogram(
            "Completion across current offerings",
            list(zip(COMPLETION_BINS, binned(all_counts), strict=True)),
            x_label="Completion (%)",
            y_label="Learners",
            placement=charts.HALF,
            note=PERCENT_BIN_NOTE,
            name="completion",
        ),
        by_offering=_by_offering_chart(buckets[0].lines),
        enrolments=enrolments,
        recent=await _recent(ctx, period, CSV_LIMIT if full else RECENT_LIMIT),
    )


def _line(row: Any, outcomes: dict[str, tuple[int, float, int]]) -> OfferingLine:
    learners = int(row.learners_count or 0)
    if row.id not in outcomes:
        return OfferingLine(row.id, row.name, row.start, row.end, learners)
    counted, mean, completed = outcomes[row.id]
    return OfferingLine(row.id, row.name, row.start, row.end, learners, mean if counted else None, completed)


def _by_offering_chart(lines: list[OfferingLine]) -> charts.Figure:
    shown = [line for line in lines if line.learners][:CHART_OFFERINGS]
    return charts.bars(
        "Mean completion per current offering",
        [line.name for line in shown],
        [charts.Series("Mean completion (%)", [round(line.mean_completion or 0, 1) for line in shown], "s1")],
        horizontal=True,
        x_label="Offering",
        y_label="Mean completion (%)",
        hrefs=[f"/console/offerings/{line.id}" for line in shown],
        placement=charts.HALF,
        integer=False,
        value_max=100,
        name="mean-completion",
    )


async def _enrolments_chart(ctx: ReadContext, period: Period) -> tuple[int, charts.Figure]:
    """Enrolments (memberships in any role) per week, or per month or year when the period is long: over the
    days that have enrolments, within the period."""
    since = period.since or datetime.min.replace(tzinfo=ctx.principal.now().tzinfo)
    per_day = await MembershipRepository(await ctx.session()).created_per_day(since, period.until)
    series = count_per_period({"Enrolments": per_day}, bounds=(period.first, period.last), smallest=WEEK)
    values = series.counts["Enrolments"]
    title = f"Enrolments per {series.unit.name}" if series.starts else "Enrolments"
    figure = charts.timeline(title, series.unit, series.starts, [charts.Series("Enrolments", values, "s2")],
                             y_label="Enrolments", placement=charts.SIDE, name="enrolments")
    figure.note = "Memberships in any role (learners, facilitators, markers), by the day they were made."
    return sum(values), figure


async def _recent(ctx: ReadContext, period: Period, limit: int) -> list[Enrolment]:
    rows = await MembershipRepository(await ctx.session()).recent(limit, period.since, period.until)
    return [
        Enrolment(at, email, full_name(first, last) or "", offering_id, offering_name, role_of(facilitator, marker))
        for at, email, first, last, offering_id, offering_name, facilitator, marker in rows
    ]
