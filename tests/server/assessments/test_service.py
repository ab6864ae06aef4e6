"""Rule-level tests of an assessment's dates (`assessments.dates`) and the `days` of pending submissions, called
directly on unsaved rows: which date wins, offsets counted in whole UTC days, saturation at the calendar's end.
The HTTP tests beside this file check the same rules through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from openqualify.server.assessments.dates import (
    due_date,
    learner_due_date,
    learner_open_date,
    learner_start,
    open_date,
)
from openqualify.server.assessments.pending import DEFAULT_DAYS, MAX_DAYS, parse_days
from openqualify.server.db.models import Assessment, AssessmentSetting, Membership, Offering
from openqualify.server.kit.errors import SchemaValidationError

START = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)
COURSE_OPEN = datetime(2030, 3, 12, 9, 0, tzinfo=UTC)
COURSE_DUE = datetime(2030, 4, 1, 17, 0, tzinfo=UTC)
LAST = datetime.max.replace(tzinfo=UTC)
NZDT = timezone(timedelta(hours=13))


def offering(relative: bool = False, start: datetime = START) -> Offering:
    return Offering(start=start, use_relative_dates=relative)


def assessment(**fields: object) -> Assessment:
    values: dict[str, object] = {
        "open_date": None, "due_date": None, "open_offset_days": None, "due_offset_days": None, **fields,
    }  # fmt: skip
    return Assessment(**values)


def test_offsets_count_whole_days_from_the_offering_start() -> None:
    item = assessment(open_offset_days=0, due_offset_days=14)
    assert open_date(item, None, offering()) == START
    assert due_date(item, None, offering()) == START + timedelta(days=14)


def test_a_negative_offset_counts_back_from_the_start() -> None:
    assert open_date(assessment(open_offset_days=-2), None, offering()) == START - timedelta(days=2)


def test_without_dates_or_offsets_there_is_no_date() -> None:
    assert open_date(assessment(), None, offering()) is None
    assert due_date(assessment(), None, offering(relative=True)) is None


def test_on_fixed_dates_the_offerings_own_date_wins_then_the_course_date_then_the_offset() -> None:
    item = assessment(open_date=COURSE_OPEN, due_date=COURSE_DUE, open_offset_days=1, due_offset_days=8)
    own = AssessmentSetting(open_date=datetime(2030, 3, 20, tzinfo=UTC), due_date=datetime(2030, 5, 1, tzinfo=UTC))
    assert (open_date(item, own, offering()), due_date(item, own, offering())) == (own.open_date, own.due_date)
    assert (open_date(item, None, offering()), due_date(item, None, offering())) == (COURSE_OPEN, COURSE_DUE)
    blank = AssessmentSetting(open_date=None, due_date=None)
    assert due_date(item, blank, offering()) == COURSE_DUE
    offsets_only = assessment(due_offset_days=8)
    assert due_date(offsets_only, blank, offering()) == START + timedelta(days=8)


def test_on_relative_dates_the_offset_wins_over_every_absolute_date() -> None:
    item = assessment(open_date=COURSE_OPEN, due_date=COURSE_DUE, open_offset_days=1, due_offset_days=8)
    own = AssessmentSetting(open_date=datetime(2030, 3, 20, tzinfo=UTC), due_date=datetime(2030, 5, 1, tzinfo=UTC))
    assert open_date(item, own, offering(relative=True)) == START + timedelta(days=1)
    assert due_date(item, own, offering(relative=True)) == START + timedelta(days=8)
    # Without an offset the absolute dates apply again, in the same order.
    dated = assessment(open_date=COURSE_OPEN, due_date=COURSE_DUE)
    assert due_date(dated, own, offering(relative=True)) == own.due_date
    assert due_date(dated, None, offering(relative=True)) == COURSE_DUE


def test_an_offset_is_exact_to_the_microsecond_and_answered_in_utc() -> None:
    start = datetime(2030, 3, 10, 0, 30, 0, 999, tzinfo=NZDT)  # 2030-03-09T11:30:00.000999Z
    due = due_date(assessment(due_offset_days=1), None, offering(start=start))
    assert due == datetime(2030, 3, 10, 11, 30, 0, 999, tzinfo=UTC)
    assert due is not None and due.utcoffset() == timedelta(0)


def test_a_day_offset_is_24_hours_across_a_daylight_saving_change() -> None:
    # New Zealand leaves daylight saving on 2030-04-07: two days after noon on the 6th (NZDT) is 11:00 NZST on
    # the 8th, as an offset counts UTC days, not wall-clock days.
    auckland = ZoneInfo("Pacific/Auckland")
    start = datetime(2030, 4, 6, 12, 0, tzinfo=auckland)
    due = due_date(assessment(due_offset_days=2), None, offering(start=start))
    assert due == datetime(2030, 4, 5, 23, 0, tzinfo=UTC) + timedelta(days=2)
    assert due is not None and due.astimezone(auckland).timetuple()[:5] == (2030, 4, 8, 11, 0)


def test_an_offset_from_a_start_at_the_end_of_time_saturates() -> None:
    stored = datetime(9999, 12, 31, tzinfo=UTC)  # written before the date bounds existed
    assert due_date(assessment(due_offset_days=30), None, offering(start=stored)) == LAST
    first = datetime.min.replace(tzinfo=UTC)
    assert open_date(assessment(open_offset_days=-1), None, offering(start=first)) == first


def test_a_learner_date_counts_from_the_learners_own_start_on_relative_dates_only() -> None:
    joined = Membership(start_date=datetime(2030, 3, 15, 8, 0, tzinfo=UTC))
    item = assessment(open_offset_days=1, due_offset_days=7)
    assert learner_start(offering(), joined) == joined.start_date
    assert learner_start(offering(), Membership(start_date=None)) == START
    assert learner_start(offering(), None) == START
    assert learner_open_date(item, None, offering(relative=True), joined) == datetime(2030, 3, 16, 8, 0, tzinfo=UTC)
    assert learner_due_date(item, None, offering(relative=True), joined) == datetime(2030, 3, 22, 8, 0, tzinfo=UTC)
    # On fixed dates the learner has the offering's dates, whatever their start.
    assert learner_open_date(item, None, offering(), joined) == START + timedelta(days=1)
    assert learner_due_date(item, None, offering(), joined) == START + timedelta(days=7)


def test_a_learners_override_wins_over_everything() -> None:
    override = datetime(2030, 6, 1, tzinfo=UTC)
    joined = Membership(start_date=datetime(2030, 3, 15, tzinfo=UTC))
    item = assessment(due_date=COURSE_DUE, due_offset_days=7)
    assert learner_due_date(item, None, offering(relative=True), joined, override) == override
    assert learner_due_date(item, None, offering(), None, override) == override


@pytest.mark.parametrize(
    ("text", "days"), [(None, DEFAULT_DAYS), ("0", 0), ("3", 3), ("007", 7), (str(MAX_DAYS), MAX_DAYS)]
)
def test_pending_days_accepts_whole_numbers_up_to_100_years(text: str | None, days: int) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (str(MAX_DAYS + 1), f"[days] value should be <= {MAX_DAYS}"),
        ("-1", "[days] value should be a non-negative integer"),
        ("1.5", "[days] value should be a non-negative integer"),
        ("", "[days] value should be a non-negative integer"),
        (" 3", "[days] value should be a non-negative integer"),
    ],
)
def test_pending_days_refuses_the_rest_by_name(text: str, message: str) -> None:
    with pytest.raises(SchemaValidationError) as refused:
        parse_days(text)
    assert str(refused.value) == message


@pytest.mark.parametrize("text", ["3\n", "\u0663", "\uff13"])  # "3" + newline, Arabic-Indic 3, full-width 3
def test_pending_days_refuses_a_trailing_newline_and_non_ascii_digits(text: str) -> None:
    with pytest.raises(SchemaValidationError):
        parse_days(text)
