"""An offering's engagement: pulse responses over time, channel activity, unit reactions, badges awarded."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openqualify.server.badges import service as badges
from openqualify.server.badges.repository import BadgeRepository
from openqualify.server.channels import repository as channel_repo
from openqualify.server.channels.repository import ChannelRepository
from openqualify.server.console import charts
from openqualify.server.console.views.common import as_datetime, days_between, full_name, week_start
from openqualify.server.kit.errors import ObjectNotFoundError
from openqualify.server.kit.reads import ReadContext
from openqualify.server.offerings.lookup import found_in_offering, get_offering
from openqualify.server.offerings.repository import OfferingRepository
from openqualify.server.progress import service as progress
from openqualify.server.progress.repository import ProgressRepository
from openqualify.server.pulses import service as pulses

MAX_DAYS = 120  # a longer span is drawn per week
PULSE_SERIES = ("s0", "s1", "s2", "s3", "s4")
RECENT_AWARDS = 10


# --- pulses ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PulseLine:
    id: str
    question: str
    type: str
    runs: int
    responses: int
    answers: charts.Chart | None  # option counts (multiple choice) or mean position (spatial)


@dataclass(frozen=True, slots=True)
class PulsesView:
    responses: int
    over_time: charts.Chart
    pulses: list[PulseLine]


def _per_period(stamps: dict[str, list[date]], names: dict[str, str], window: tuple[date, date]) -> charts.Chart:
    """Responses per day (per week past MAX_DAYS) over the offering so far, one stacked series per pulse."""
    every = [d for days in stamps.values() for d in days]
    if not every:
        return charts.timeline("Pulse responses over time", [], [], y_label="Responses")
    first, last = min(*every, window[0]), max(*every, window[1])
    weekly = (last - first).days > MAX_DAYS
    if weekly:
        first, last = week_start(first), week_start(last)
        periods = days_between(first, last)[::7]
    else:
        periods = days_between(first, last)
    index = {d: i for i, d in enumerate(periods)}
    series = []
    for n, (pulse_id, days) in enumerate(stamps.items()):
        values = [0] * len(periods)
        for d in days:
            values[index[week_start(d) if weekly else d]] += 1
        series.append(charts.Series(charts.shorten(names[pulse_id], 40), values, PULSE_SERIES[n % len(PULSE_SERIES)]))
    title = "Pulse responses per week" if weekly else "Pulse responses per day"
    return charts.timeline(title, periods, series, y_label="Responses", width=charts.FULL)


def _answers(question: str, pulse_type: str, answers: list[dict[str, Any]]) -> charts.Chart | None:
    if pulse_type == "MCQ":
        chosen: Counter[str] = Counter()
        for answer in answers:
            for option in answer.get("multiChoiceAnswer") or ():
                if option.get("value"):
                    chosen[str(option.get("option"))] += 1
        options = sorted(chosen, key=lambda o: (-chosen[o], o))
        series = [charts.Series("Responses", [chosen[o] for o in options], "s0")]
        return charts.bars(f"Answers: {question}", options, series, horizontal=True, x_label="Option",
                           y_label="Responses", width=charts.PANEL)
    if pulse_type.startswith("spatial"):
        totals: dict[str, list[float]] = defaultdict(list)
        for answer in answers:
            for option in answer.get("spatialAnswer") or ():
                totals[str(option.get("option"))].append(float(option.get("value") or 0))
        options = list(totals)
        means = [round(sum(v) / len(v), 1) for v in totals.values()]
        return charts.bars(f"Mean position: {question}", options, [charts.Series("Mean value", means, "s4")],
                           horizontal=True, x_label="Option", y_label="Mean value", width=charts.PANEL,
                           integer=False)
    return None


async def pulses_view(ctx: ReadContext, offering_id: str) -> PulsesView:
    session = await ctx.session()
    offering = await get_offering(session, offering_id)
    rows = await pulses.all_responses(ctx, offering.id, None, [])
    now = ctx.principal.now()
    window = (offering.start.date(), min(now, offering.end or now).date())
    stamps: dict[str, list[date]] = defaultdict(list)
    names: dict[str, str] = {}
    runs: dict[str, set[str]] = defaultdict(set)
    answers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    kinds: dict[str, str] = {}
    for row in rows:
        pulse_id = row["pulseBaseId"]
        when = as_datetime(row["responseTime"])
        assert when is not None
        stamps[pulse_id].append(when.date())
        names[pulse_id] = row["pulseQuestion"]
        kinds[pulse_id] = row["pulseType"]
        runs[pulse_id].add(row["pulseInstanceId"])
        answers[pulse_id].append(row["response"])
    lines = [
        PulseLine(pid, names[pid], kinds[pid], len(runs[pid]), len(stamps[pid]),
                  _answers(names[pid], kinds[pid], answers[pid]))
        for pid in stamps
    ]
    return PulsesView(len(rows), _per_period(stamps, names, window), lines)


# --- channels ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelLine:
    id: str
    title: str
    kind: str
    posts: int
    comments: int
    replies: int


@dataclass(frozen=True, slots=True)
class ChannelsView:
    channels: list[ChannelLine]
    activity: charts.Chart

    @property
    def total(self) -> int:
        return sum(c.posts + c.comments + c.replies for c in self.channels)


def _kind(channel: Any) -> str:
    if channel.private_support:
        return "private support"
    if channel.group_discussion:
        return "group discussion"
    return "broadcast" if channel.is_broadcast_only else "full access"


async def channels_view(ctx: ReadContext, offering_id: str) -> ChannelsView:
    """The channels `GET /offerings/{id}/channels` lists (with their kind), and what was written in each."""
    listed = found_in_offering(await channel_repo.read_channels(ctx, offering_id), offering_id)
    counts = await ChannelRepository(await ctx.session()).activity_counts(offering_id)
    lines = [ChannelLine(c.id, c.title, _kind(c), *counts.get(c.id, (0, 0, 0))) for c in listed]
    activity = charts.bars(
        "Channel activity",
        [line.title for line in lines],
        [
            charts.Series("Posts", [line.posts for line in lines], "s0"),
            charts.Series("Comments", [line.comments for line in lines], "s2"),
            charts.Series("Replies", [line.replies for line in lines], "s3"),
        ],
        horizontal=True,
        x_label="Channel",
        y_label="Items",
        width=charts.HALF,
    )
    return ChannelsView(lines, activity)


# --- unit reactions ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReactionsView:
    pages: int
    up: int
    down: int
    chart: charts.Chart


async def reactions_view(ctx: ReadContext, offering_id: str) -> ReactionsView:
    session = await ctx.session()
    offering = await get_offering(session, offering_id)
    rows = await progress.unit_reactions(ctx, offering.id)
    titles = await ProgressRepository(session).page_titles(offering.content_id)
    labels = [titles.get(row["pageId"], row["pageId"]) for row in rows]
    up = [row["feedback"]["thumbs-up"] for row in rows]
    down = [row["feedback"]["thumbs-down"] for row in rows]
    chart = charts.bars(
        "Reactions per page",
        labels,
        [charts.Series("Thumbs up", up, "ok"), charts.Series("Thumbs down", down, "bad")],
        stacked=True,
        horizontal=True,
        x_label="Page",
        y_label="Reactions",
        width=charts.HALF,
    )
    return ReactionsView(len(rows), sum(up), sum(down), chart)


# --- badges -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Award:
    at: datetime
    email: str
    name: str


@dataclass(frozen=True, slots=True)
class BadgesView:
    badge: Any | None  # badges.schemas.BadgeOut, None when the offering awards no badge
    awarded: int
    learners: int
    over_time: charts.Chart | None
    recent: list[Award]


async def badges_view(ctx: ReadContext, offering_id: str) -> BadgesView:
    session = await ctx.session()
    offering = await get_offering(session, offering_id)
    try:
        badge = await badges.offering_badge(session, offering.id)
    except ObjectNotFoundError:  # the offering awards no badge (the API's 404 for this sub-resource)
        badge = None
    rows = await BadgeRepository(session).offering_awards(offering.id) if badge is not None else []
    awards = [Award(at, email, full_name(first, last)) for at, email, first, last in rows]
    over_time = None
    if awards:
        days = days_between(awards[0].at.date(), awards[-1].at.date())
        per_day = Counter(a.at.date() for a in awards)
        running, cumulative = 0, []
        for d in days:
            running += per_day.get(d, 0)
            cumulative.append(running)
        over_time = charts.timeline(
            "Badges awarded (cumulative)", days, [charts.Series("Awarded", cumulative, "s2")],
            y_label="Badges", line=True, width=charts.HALF,
        )
    learner_count = await OfferingRepository(session).learner_count(offering.id)
    return BadgesView(badge, len(awards), learner_count, over_time, awards[::-1][:RECENT_AWARDS])
