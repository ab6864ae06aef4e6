"""What every console view shares: the organisation bar, time buckets, completion bins, names and dates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from openqualify.server.kit.auth import Principal
from openqualify.server.kit.timefmt import parse_datetime, to_utc

BUCKETS: tuple[Literal["current", "past", "future"], ...] = ("current", "past", "future")
BUCKET_TITLES = {"current": "Current", "past": "Past", "future": "Future"}

# Completion in tenths (0-9 %, ..., 90-99 %) and a last bin for the learners who finished.
DASH = "\u2013"  # the en dash of ranges (10 to 19)
COMPLETION_BINS = [f"{i * 10}{DASH}{i * 10 + 9}" for i in range(10)] + ["100"]


@dataclass(frozen=True, slots=True)
class OrgBar:
    """The organisation a page shows, and its clock."""

    name: str
    now: datetime
    frozen: bool
    offset_seconds: float

    @property
    def clock_state(self) -> str:
        if self.frozen:
            return "frozen"
        if abs(self.offset_seconds) >= 1:
            days = self.offset_seconds / 86_400
            return f"shifted {days:+,.1f} days" if abs(days) >= 1 else f"shifted {self.offset_seconds:+,.0f} s"
        return "real time"


def org_bar(principal: Principal) -> OrgBar:
    clock = principal.clock
    return OrgBar(principal.org_name, principal.now(), clock.frozen_at is not None, clock.offset_seconds)


def bucket_of(start: datetime, end: datetime | None, now: datetime) -> str:
    """current / past / future, as `/offerings/{current,past,future}` decide (DOMAIN §3.3)."""
    if start > now:
        return "future"
    if end is not None and end < now:
        return "past"
    return "current"


def completion_bin(completion: int) -> int:
    return 10 if completion >= 100 else max(0, completion) // 10


def binned(counts: Iterable[tuple[int, int]]) -> list[int]:
    """(completion, learners) pairs -> learners per completion bin."""
    bins = [0] * len(COMPLETION_BINS)
    for completion, learners in counts:
        bins[completion_bin(completion)] += learners
    return bins


def full_name(first: str | None, last: str | None) -> str:
    return " ".join(part for part in (first, last) if part)


def as_datetime(value: datetime | str | None) -> datetime | None:
    """A stored datetime or the API's wire text, as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc(value)
    return parse_datetime(value)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def parse_number(text: str | None) -> float | None:
    """A mark as a number when it is one ("87", "7.5"), else None (grades, competencies)."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None
