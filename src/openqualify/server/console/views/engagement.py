"""An offering's engagement: pulse responses over time, channel activity, unit reactions, badges awarded."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openqualify.server.badges import service as badges
from openqualify.server.badges.repository import BadgeRepository
from openqualify.server.channels import repository as channel_repo
from openqualify.server.channels.repository import ChannelRepository
from openqualify.server.console import charts
from openqualify.server.console.periods import DAY, count_per_period
from openqualify.server.console.sheets import Sheet
from openqualify.server.console.views.common import as_datetime
from openqualify.server.kit.errors import ObjectNotFoundError
from openqualify.server.kit.reads import ReadContext
from openqualify.server.offerings.lookup import found_in_offering, get_offering
from openqualify.server.offerings.repository import OfferingRepository
from openqualify.server.progress import service as progress
from openqualify.server.progress.repository import ProgressRepository
from openqualify.server.pulses import service as pulses
from openqualify.server.users.schemas import full_name

PULSE_SERIES = ("s0", "s1", "s2", "s3", "s4")
RECENT_AWARDS = 10

# How to read a spatial pulse's values (the learner places a point; each option gets a value from 0 to 1).
SPATIAL_SCALES = {
    "spatial_linear": "Each learner places a point on a line, its position running from 0 at one end to 1 at the "
                      "other. The bar is the mean position.",
    "spatial_planar": "Each learner places a point on a plane with one axis per option, each from 0 to 1. The bar "
                      "is the mean position along that axis.",
    "spatial_triangular": "Each learner places a point in a triangle whose corners are the options: its values are "
                          "the point's weights towards each corner, from 0 to 1, adding up to 1. The bar is the "
                          "mean weight.",
}


# --- pulses ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PulseLine:
    id: str
    question: str
    type: str
    runs: int
    responses: int
    answers: charts.Figure | None  # option counts (multiple choice) or mean position (spatial)


@dataclass(frozen=True, slots=True)
class PulsesView:
    responses: int
    over_time: charts.Figure
    pulses: list[PulseLine]

    def sheets(self) -> list[Sheet]:
        return [Sheet("pulses", ["Pulse id", "Question", "Type", "Runs", "Responses"],
                      lambda: [[p.id, p.question, p.type, p.runs, p.responses] for p in self.pulses])]


def _per_period(stamps: dict[str, list[date]], names: dict[str, str]) -> charts.Figure:
    """Responses per day (per week, month or more when they span long) over the days that have responses, one
    stacked series per pulse: bounded by the data, whatever the offering's dates or the clock."""
    per_pulse = {pulse_id: [(d, 1) for d in days] for pulse_id, days in stamps.items()}
    periods = count_per_period(per_pulse, smallest=DAY)
    series = [
        charts.Series(charts.shorten(names[pulse_id], 40), periods.counts[pulse_id],
                      PULSE_SERIES[n % len(PULSE_SERIES)])
        for n, pulse_id in enumerate(stamps)
    ]
    title = f"Pulse responses per {periods.unit.name}" if periods.starts else "Pulse responses over time"
    return charts.timeline(title, periods.unit, periods.starts, series, y_label="Responses",
                           placement=charts.FULL, name="pulse-responses")


def _answers(question: str, pulse_type: str, answers: list[dict[str, Any]], name: str) -> charts.Figure | None:
    if pulse_type == "MCQ":
        chosen: Counter[str] = Counter()
        for answer in answers:
            for option in answer.get("multiChoiceAnswer") or ():
                if option.get("value"):
                    chosen[str(option.get("option"))] += 1
        options = sorted(chosen, key=lambda o: (-chosen[o], o))
        series = [charts.Series("Responses", [chosen[o] for o in options], "s0")]
        return charts.bars(f"Answers: {question}", options, series, horizontal=True, x_label="Option",
                           y_label="Responses", placement=charts.PANEL, name=name)
    if pulse_type.startswith("spatial"):
        totals: dict[str, list[float]] = defaultdict(list)
        for answer in answers:
            for option in answer.get("spatialAnswer") or ():
                value = option.get("value")
                if isinstance(value, int | float) and math.isfinite(value):
                    totals[str(option.get("option"))].append(float(value))
        options = list(totals)
        means = [round(sum(v) / len(v), 2) for v in totals.values()]
        every = [v for values in totals.values() for v in values]
        within = all(0 <= v <= 1 for v in every)
        low, high = charts.number(min(every, default=0)), charts.number(max(every, default=0))
        note = SPATIAL_SCALES.get(pulse_type, "") if within else f"Values as recorded, from {low} to {high}."
        return charts.bars(f"Mean position: {question}", options, [charts.Series("Mean value (0 to 1)", means, "s4")],
                           horizontal=True, x_label="Option", y_label="Mean value (0 to 1)" if within else "Mean value",
                           placement=charts.PANEL, integer=False, value_max=1 if within else None, note=note, name=name)
    return None


async def pulses_view(ctx: ReadContext, offering_id: str) -> PulsesView:
    session = await ctx.session()
    offering = await get_offering(session, offering_id)
    rows = await pulses.all_responses(ctx, offering.id, None, [])
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
                  _answers(names[pid], kinds[pid], answers[pid], f"pulse-answers-{index}"))
        for index, pid in enumerate(stamps, 1)
    ]
    return PulsesView(len(rows), _per_period(stamps, names), lines)


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
    activity: charts.Figure

    def sheets(self) -> list[Sheet]:
        return [Sheet("channels", ["Channel id", "Channel", "Kind", "Posts", "Comments", "Replies"],
                      lambda: [[c.id, c.title, c.kind, c.posts, c.comments, c.replies] for c in self.channels])]

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
        placement=charts.HALF,
    )
    return ChannelsView(lines, activity)


# --- unit reactions ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReactionsView:
    pages: int
    up: int
    down: int
    chart: charts.Figure


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
        placement=charts.HALF,
        name="reactions",
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
    over_time: charts.Figure | None
    awards: list[Award]  # oldest first

    @property
    def recent(self) -> list[Award]:
        return self.awards[::-1][:RECENT_AWARDS]

    def sheets(self) -> list[Sheet]:
        return [Sheet("awards", ["Awarded at", "E-mail", "Name"],
                      lambda: [[a.at, a.email, a.name] for a in self.awards[::-1]])]


async def badges_view(ctx: ReadContext, offering_id: str) -> BadgesView:
    session = await ctx.session()
    offering = await get_offering(session, offering_id)
    try:
        badge = await badges.offering_badge(session, offering.id)
    except ObjectNotFoundError:  # the offering awards no badge (the API's 404 for this sub-resource)
        badge = None
    rows = await BadgeRepository(session).offering_awards(offering.id) if badge is not None else []
    awards = [Award(at, email, full_name(first, last) or "") for at, email, first, last in rows]
    over_time = None
    if awards:
        per_period = count_per_period({"Awarded": [(a.at.date(), 1) for a in awards]}, smallest=DAY)
        running, cumulative = 0, []
        for count in per_period.counts["Awarded"]:
            running += count
            cumulative.append(running)
        over_time = charts.timeline(
            "Badges awarded (cumulative)", per_period.unit, per_period.starts,
            [charts.Series("Awarded", cumulative, "s2")], y_label="Badges", line=True, placement=charts.SPLIT,
            name="awards-over-time",
        )
    learner_count = await OfferingRepository(session).learner_count(offering.id)
    return BadgesView(badge, len(awards), learner_count, over_time, awards)
