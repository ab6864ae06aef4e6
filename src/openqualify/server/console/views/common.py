"""What every console view shares: the organisation bar, time buckets, percentage bins, names and dates."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from openqualify.server.kit.auth import Principal
from openqualify.server.kit.timefmt import parse_datetime, to_utc

BUCKETS: tuple[Literal["current", "past", "future"], ...] = ("current", "past", "future")
BUCKET_TITLES = {"current": "Current", "past": "Past", "future": "Future"}

# Percentages (completion, marks) in tenths and a last bin for 100: 0-9 holds 0 up to, not including, 10 (a
# value counts by its whole part: 9.5 % is in 0-9, 99.9 % in 90-99), so the bins never overlap.
DASH = "\u2013"  # the en dash of ranges (10 to 19)
PERCENT_BINS = [f"{i * 10}{DASH}{i * 10 + 9}" for i in range(10)] + ["100"]
COMPLETION_BINS = PERCENT_BINS
PERCENT_BIN_NOTE = f"Bins of whole percents: 0{DASH}9 counts 0 up to, not including, 10."


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


def percent_bin(value: float) -> int:
    """The bin (0-10) of a percentage: by its whole part, 100 and over in the last."""
    if value >= 100:
        return 10
    return max(0, math.floor(value)) // 10


completion_bin = percent_bin


def binned(counts: Iterable[tuple[float, int]]) -> list[int]:
    """(percentage, count) pairs -> counts per bin."""
    bins = [0] * len(PERCENT_BINS)
    for value, count in counts:
        bins[percent_bin(value)] += count
    return bins


def as_datetime(value: datetime | str | None) -> datetime | None:
    """A stored datetime or the API's wire text, as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc(value)
    return parse_datetime(value)


def parse_number(text: str | None) -> float | None:
    """A mark as a number when it is one ("87", "7.5"), else None (grades, competencies)."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None
