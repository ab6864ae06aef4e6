"""The organisation overview: offerings by current/past/future, completion across current offerings, enrolments."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from openqualify.server.console import charts
from openqualify.server.console.views.common import (
    BUCKET_TITLES,
    BUCKETS,
    COMPLETION_BINS,
    OrgBar,
    binned,
    full_name,
    org_bar,
    week_start,
)
from openqualify.server.kit.reads import ReadContext
from openqualify.server.memberships.repository import MembershipRepository
from openqualify.server.offerings.views import bucket_counts, bucket_page, current_offerings
from openqualify.server.progress.repository import ProgressRepository

LIST_LIMIT = 25  # offerings listed per bucket (the total is shown beside)
RECENT_LIMIT = 12
ENROLMENT_WEEKS = 12
CHART_OFFERINGS = 12  # current offerings in the per-offering chart


@dataclass(frozen=True, slots=True)
class OfferingLine:
    id: str
    name: str
    start: datetime
    end: datetime | None
    learners: int
    mean_completion: float | None = None  # current offerings only
    completed: int = 0


@dataclass(frozen=True, slots=True)
class BucketView:
    key: str
    title: str
    total: int
    lines: list[OfferingLine]

    @property
    def more(self) -> int:
        return self.total - len(self.lines)


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
    buckets: list[BucketView]
    current_learners: int
    current_completed: int
    completion: charts.Chart
    by_offering: charts.Chart
    enrolments: charts.Chart
    recent: list[Enrolment]


def role_of(is_facilitator: bool, is_marker: bool) -> str:
    if is_facilitator and is_marker:
        return "facilitator, marker"
    if is_facilitator:
        return "facilitator"
    return "marker" if is_marker else "learner"


async def overview(ctx: ReadContext) -> Overview:
    session = await ctx.session()
    now = ctx.principal.now()
    # Completion of every current offering's learners, counted in SQL (≤ 101 rows per offering).
    per_offering: dict[str, list[tuple[int, int]]] = defaultdict(list)
    counts = await ProgressRepository(session).completion_counts(current_offerings(now))
    for offering_id, completion, learners in counts:
        per_offering[offering_id].append((completion, learners))

    totals = await bucket_counts(session, now)
    buckets = []
    for key in BUCKETS:
        rows = await bucket_page(session, key, now, LIST_LIMIT)
        lines = [_line(row, per_offering.get(row.id, [])) if key == "current" else _line(row) for row in rows]
        buckets.append(BucketView(key, BUCKET_TITLES[key], totals[key], lines))

    all_counts = [pair for pairs in per_offering.values() for pair in pairs]
    current = buckets[0].lines
    return Overview(
        org=org_bar(ctx.principal),
        buckets=buckets,
        current_learners=sum(n for _, n in all_counts),
        current_completed=sum(n for c, n in all_counts if c >= 100),
        completion=charts.histogram(
            "Completion across current offerings",
            list(zip(COMPLETION_BINS, binned(all_counts), strict=True)),
            x_label="Completion (%)",
            y_label="Learners",
            width=charts.HALF,
        ),
        by_offering=_by_offering_chart(current),
        enrolments=await _enrolments_chart(ctx, now),
        recent=await _recent(ctx),
    )


def _line(row: Any, counts: list[tuple[int, int]] | None = None) -> OfferingLine:
    if counts is None:
        return OfferingLine(row.id, row.name, row.start, row.end, int(row.learners_count or 0))
    learners = sum(n for _, n in counts)
    mean = sum(c * n for c, n in counts) / learners if learners else None
    completed = sum(n for c, n in counts if c >= 100)
    return OfferingLine(row.id, row.name, row.start, row.end, int(row.learners_count or 0), mean, completed)


def _by_offering_chart(lines: list[OfferingLine]) -> charts.Chart:
    shown = [line for line in lines if line.learners][:CHART_OFFERINGS]
    return charts.bars(
        "Mean completion per current offering",
        [line.name for line in shown],
        [charts.Series("Mean completion (%)", [round(line.mean_completion or 0, 1) for line in shown], "s1")],
        horizontal=True,
        x_label="Offering",
        y_label="Mean completion (%)",
        hrefs=[f"/console/offerings/{line.id}" for line in shown],
        width=charts.HALF,
    )


async def _enrolments_chart(ctx: ReadContext, now: datetime) -> charts.Chart:
    first_week = week_start((now - timedelta(weeks=ENROLMENT_WEEKS - 1)).date())
    since = datetime.combine(first_week, datetime.min.time(), tzinfo=now.tzinfo)
    weeks = [first_week + timedelta(weeks=i) for i in range(ENROLMENT_WEEKS)]
    counts = dict.fromkeys(weeks, 0)
    for day, count in await MembershipRepository(await ctx.session()).created_per_day(since):
        week = week_start(day)
        if week in counts:
            counts[week] += count
    return charts.timeline(
        f"Enrolments per week, last {ENROLMENT_WEEKS} weeks",
        weeks,
        [charts.Series("Enrolments", [counts[w] for w in weeks], "s2")],
        y_label="Enrolments",
        width=charts.HALF,
    )


async def _recent(ctx: ReadContext) -> list[Enrolment]:
    rows = await MembershipRepository(await ctx.session()).recent(RECENT_LIMIT)
    return [
        Enrolment(at, email, full_name(first, last), offering_id, offering_name, role_of(facilitator, marker))
        for at, email, first, last, offering_id, offering_name, facilitator, marker in rows
    ]
