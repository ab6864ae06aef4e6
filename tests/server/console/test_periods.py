"""Time series bounded by their data, never by the calendar, and date arithmetic that never overflows: the
console's share of issue 19.3/19.7 (an offering starting in year 1, a clock in year 9999)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from openqualify.server.console import periods
from openqualify.server.console.periods import DAY, MAX_PERIODS, MONTH, UNITS, WEEK


def test_dates_are_held_at_the_calendar_ends() -> None:
    assert periods.shift(date(1, 1, 3), -10) == date.min
    assert periods.shift(date(9999, 12, 30), 10) == date.max
    assert periods.shift(date(2026, 3, 10), -7) == date(2026, 3, 3)
    assert periods.end_of(date.max) == datetime.max.replace(tzinfo=UTC)
    assert periods.week_start(date.min) == date.min and periods.week_start(date.max) == date(9999, 12, 27)


@pytest.mark.parametrize(
    ("first", "last", "unit", "count"),
    [
        (date(2026, 3, 1), date(2026, 3, 1), "day", 1),
        (date(2026, 1, 1), date(2026, 4, 30), "day", 120),
        (date(2026, 1, 1), date(2026, 5, 1), "week", 18),
        (date(2020, 1, 1), date(2026, 12, 31), "month", 84),
        (date(1900, 1, 1), date(2026, 12, 31), "2 years", 64),
        (date(1, 1, 1), date(2026, 12, 7), "20 years", 102),
        (date.min, date.max, "100 years", 100),
    ],
)
def test_the_smallest_unit_that_keeps_a_series_short(first: date, last: date, unit: str, count: int) -> None:
    chosen = periods.unit_for(first, last)
    assert chosen.name == unit
    starts = periods.periods(first, last, chosen)
    assert len(starts) == chosen.count(first, last) == count <= MAX_PERIODS
    assert starts[0] <= first and chosen.start(last) == starts[-1]


def test_any_two_dates_give_a_short_series_that_holds_both() -> None:
    """A property over extreme and random pairs: never more than MAX_PERIODS periods, never an exception, each day
    falls in the period that starts where its unit says."""
    rng = random.Random(20261207)
    edges = [date.min, date(1, 1, 2), date(1969, 12, 31), date(2026, 3, 10), date(9999, 12, 30), date.max]
    pairs = [(a, b) for a in edges for b in edges if a <= b]
    for _ in range(400):
        a, b = sorted(date.fromordinal(rng.randint(1, date.max.toordinal())) for _ in range(2))
        pairs.append((a, b))
    for first, last in pairs:
        for smallest in (DAY, WEEK, MONTH):
            unit = periods.unit_for(first, last, smallest=smallest)
            starts = periods.periods(first, last, unit)
            assert 1 <= len(starts) <= MAX_PERIODS, (first, last, unit.name)
            assert starts == sorted(set(starts))
            for day in (first, last):
                assert unit.start(day) in starts
            assert all(unit.label(s) and unit.iso(s) for s in (starts[0], starts[-1]))


def test_counts_per_period_follow_the_data_not_the_calendar() -> None:
    """An offering that starts in year 1 with responses in 2026 draws 2026's days, not two thousand years."""
    days = {"a": [(date(2026, 3, 2), 2), (date(2026, 3, 9), 1)], "b": [(date(2026, 3, 3), 4)]}
    series = periods.count_per_period(days)
    assert series.unit is DAY and series.starts[0] == date(2026, 3, 2) and len(series.starts) == 8
    assert series.counts == {"a": [2, 0, 0, 0, 0, 0, 0, 1], "b": [0, 4, 0, 0, 0, 0, 0, 0]}
    weekly = periods.count_per_period(days, smallest=WEEK)
    assert weekly.starts == [date(2026, 3, 2), date(2026, 3, 9)] and weekly.counts["b"] == [4, 0]
    bounded = periods.count_per_period(days, bounds=(date(2026, 3, 3), None))
    assert bounded.counts == {"a": [0, 0, 0, 0, 0, 0, 1], "b": [4, 0, 0, 0, 0, 0, 0]}
    spread = periods.count_per_period({"x": [(date.min, 1), (date(2026, 1, 1), 1), (date.max, 1)]})
    assert len(spread.starts) <= MAX_PERIODS and sum(spread.counts["x"]) == 3
    empty = periods.count_per_period({"x": []})
    assert empty.starts == [] and empty.counts == {"x": []}


def test_labels_and_iso_forms() -> None:
    assert (DAY.label(date(2026, 3, 7)), DAY.iso(date(2026, 3, 7))) == ("7 Mar", "2026-03-07")
    assert (MONTH.label(date(2026, 3, 1)), MONTH.iso(date(2026, 3, 1))) == ("Mar 2026", "2026-03")
    decade = next(u for u in UNITS if u.name == "10 years")
    assert decade.label(date(2020, 1, 1)) == "2020\u20132029" and decade.iso(date(2020, 1, 1)) == "2020"
    assert decade.label(date(1, 1, 1)) == "1\u20139"  # the first period of the calendar is a short one
    assert decade.label(date(9990, 1, 1)) == "9990\u20139999"
    assert MONTH.iso(date(1, 1, 1)) == "0001-01"
