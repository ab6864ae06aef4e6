"""Time on the console's charts: dates moved safely at the calendar's ends, and series bounded by their data.

A series is cut into at most `MAX_PERIODS` periods of one unit (a day, a week, a month, a year or several years),
the smallest unit that fits: its cost follows the data it has, never the calendar between two far dates (an
offering starting in year 1, a clock in year 9999). Nothing here raises on any `date` Python can hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

MAX_PERIODS = 120
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
YEAR_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)


# --- dates that never overflow --------------------------------------------------------------------------------


def shift(day: date, days: int) -> date:
    """`day` moved by `days`, held at the calendar's first or last day instead of overflowing."""
    ordinal = day.toordinal() + days
    return date.fromordinal(min(max(ordinal, date.min.toordinal()), date.max.toordinal()))


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of `day`."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def end_of(day: date) -> datetime:
    """The last microsecond of `day`, UTC (no overflow on the calendar's last day)."""
    return datetime.combine(day, time.max, tzinfo=UTC)


def week_start(day: date) -> date:
    """The Monday of `day`'s week (1 January of year 1 is a Monday, so this never leaves the calendar)."""
    return shift(day, -day.weekday())


# --- units and periods ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unit:
    """A period length: `days` (1 or 7) or `months` (1, or 12 times a number of years)."""

    name: str  # day, week, month, year, "10 years", ...
    days: int = 0
    months: int = 0

    def start(self, day: date) -> date:
        """The first day of the period holding `day`."""
        if self.days == 7:
            return week_start(day)
        if self.days:
            return day
        if self.months == 1:
            return day.replace(day=1)
        years = self.months // 12
        return date(max(1, day.year - day.year % years), 1, 1)  # years of a period start at a multiple of it

    def after(self, start: date) -> date | None:
        """The start of the next period, None past the calendar's end."""
        if self.days:
            ordinal = start.toordinal() + self.days
            return None if ordinal > date.max.toordinal() else date.fromordinal(ordinal)
        if self.months == 1:
            year, month = divmod(start.year * 12 + start.month, 12)
            return None if year > date.max.year else date(year, month + 1, 1)
        years = self.months // 12
        year = (start.year // years + 1) * years
        return None if year > date.max.year else date(year, 1, 1)

    def _index(self, day: date) -> int:
        if self.days:
            return self.start(day).toordinal() // self.days
        if self.months == 1:
            return day.year * 12 + day.month - 1
        return day.year // (self.months // 12)

    def count(self, first: date, last: date) -> int:
        """How many periods run from `first`'s to `last`'s (both included)."""
        return self._index(last) - self._index(first) + 1

    def label(self, start: date) -> str:
        """A short axis label: `7 Mar`, `Mar 2026`, `2026`, or a range of years `2020-2029` (with an en dash)."""
        if self.days:
            return f"{start.day} {MONTHS[start.month - 1]}"
        if self.months == 1:
            return f"{MONTHS[start.month - 1]} {start.year}"
        following = self.after(start)
        last_year = following.year - 1 if following is not None else date.max.year
        return str(start.year) if last_year == start.year else f"{start.year}{DASH}{last_year}"

    def iso(self, start: date) -> str:
        """The period in a table and a CSV: an ISO 8601 date (the day, or the week's Monday), month or year."""
        if self.days:
            return start.isoformat()
        if self.months == 1:
            return f"{start.year:04d}-{start.month:02d}"
        return f"{start.year:04d}"


DASH = "\u2013"
DAY = Unit("day", days=1)
WEEK = Unit("week", days=7)
MONTH = Unit("month", months=1)
UNITS = (DAY, WEEK, MONTH, *(Unit("year" if n == 1 else f"{n} years", months=12 * n) for n in YEAR_STEPS))


def unit_for(first: date, last: date, limit: int = MAX_PERIODS, smallest: Unit = DAY) -> Unit:
    """The smallest unit (from `smallest` up) that cuts `first`..`last` into at most `limit` periods."""
    candidates = UNITS[UNITS.index(smallest):]
    return next((unit for unit in candidates if unit.count(first, last) <= limit), UNITS[-1])


def periods(first: date, last: date, unit: Unit) -> list[date]:
    """The starts of the periods from `first`'s to `last`'s, in order (at most `unit.count(first, last)`)."""
    starts: list[date] = []
    current: date | None = unit.start(first)
    end = unit.start(last)
    while current is not None and current <= end:
        starts.append(current)
        current = unit.after(current)
    return starts


@dataclass(frozen=True, slots=True)
class Series:
    """Counts per period of one unit, from the first period to the last."""

    unit: Unit
    starts: list[date]
    counts: dict[str, list[int]]  # one list per named series, aligned with `starts`


def count_per_period(
    days: Mapping[str, Iterable[tuple[date, int]]],
    *,
    bounds: tuple[date | None, date | None] = (None, None),
    smallest: Unit = DAY,
    limit: int = MAX_PERIODS,
) -> Series:
    """Add up (day, count) pairs per period, one series per key. The periods run over the data's days (within
    `bounds` when given: days outside are left out), cut in the smallest unit giving at most `limit` periods."""
    low, high = bounds
    kept = {
        key: [(d, n) for d, n in pairs if (low is None or d >= low) and (high is None or d <= high)]
        for key, pairs in days.items()
    }
    every = [d for pairs in kept.values() for d, _ in pairs]
    if not every:
        return Series(smallest, [], {key: [] for key in kept})
    first, last = min(every), max(every)
    unit = unit_for(first, last, limit, smallest)
    starts = periods(first, last, unit)
    index = {start: i for i, start in enumerate(starts)}
    counts = {}
    for key, pairs in kept.items():
        values = [0] * len(starts)
        for d, n in pairs:
            values[index[unit.start(d)]] += n
        counts[key] = values
    return Series(unit, starts, counts)
