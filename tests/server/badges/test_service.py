"""Rule-level tests of badge expiry (`badges.service.expiry_date`, `add_months`) on unsaved rows: a fixed date, or
a timeframe after the award in days (exact to the microsecond, in UTC) or calendar months and years (the day
clamped to the month's end); amounts stored before they were bounded saturate instead of raising."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from openqualify.server.badges.service import add_months, expiry_date
from openqualify.server.console.views.learner import _badge as console_badge
from openqualify.server.db.models import OfferingBadge

AWARDED = datetime(2030, 3, 10, 14, 37, 5, 123456, tzinfo=UTC)
LAST = datetime.max.replace(tzinfo=UTC)
FIRST = datetime.min.replace(tzinfo=UTC)
LAST_INSTANT_OF_MAY = datetime(2030, 5, 31, 23, 59, 59, 999999, tzinfo=UTC)


def badge(expires: bool = True, **fields: object) -> OfferingBadge:
    values: dict[str, object] = {
        "expiry_type": None, "expiration_date": None, "timeframe_amount": None, "timeframe_unit": None, **fields,
    }  # fmt: skip
    return OfferingBadge(expires=expires, **values)


def test_a_badge_that_does_not_expire_has_no_expiry_whatever_else_is_stored() -> None:
    stored = badge(False, expiry_type="date", expiration_date=AWARDED, timeframe_amount=1, timeframe_unit="days")
    assert expiry_date(stored, AWARDED) is None


def test_a_dated_badge_expires_on_its_date_whenever_it_was_awarded() -> None:
    on = datetime(2031, 1, 1, tzinfo=UTC)
    assert expiry_date(badge(expiry_type="date", expiration_date=on), AWARDED) == on
    assert expiry_date(badge(expiry_type="date", expiration_date=on), datetime(2032, 1, 1, tzinfo=UTC)) == on


def test_an_expiry_without_its_settings_is_no_expiry() -> None:
    assert expiry_date(badge(expiry_type="timeframe", timeframe_unit="days"), AWARDED) is None
    assert expiry_date(badge(expiry_type=None), AWARDED) is None
    not_a_number = badge(expiry_type="timeframe", timeframe_amount=math.nan, timeframe_unit="days")
    assert expiry_date(not_a_number, AWARDED) is None


def test_a_timeframe_in_days_ends_at_the_exact_instant_of_the_award_plus_the_days() -> None:
    expires = expiry_date(badge(expiry_type="timeframe", timeframe_amount=30, timeframe_unit="days"), AWARDED)
    assert expires == AWARDED + timedelta(days=30)
    assert expires is not None and expires.microsecond == 123456
    half = expiry_date(badge(expiry_type="timeframe", timeframe_amount=1.5, timeframe_unit="days"), AWARDED)
    assert half == AWARDED + timedelta(hours=36)


def test_an_award_in_another_zone_or_naive_is_counted_in_utc() -> None:
    nzdt = timezone(timedelta(hours=13))
    local = datetime(2030, 3, 11, 3, 37, 5, 123456, tzinfo=nzdt)  # the same instant as AWARDED
    for awarded in (local, AWARDED.replace(tzinfo=None)):
        expires = expiry_date(badge(expiry_type="timeframe", timeframe_amount=1, timeframe_unit="days"), awarded)
        assert expires == AWARDED + timedelta(days=1)
        assert expires is not None and expires.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("awarded", "months", "expected"),
    [
        (datetime(2030, 1, 31, 9, 0, tzinfo=UTC), 1, datetime(2030, 2, 28, 9, 0, tzinfo=UTC)),
        (datetime(2028, 1, 31, 9, 0, tzinfo=UTC), 1, datetime(2028, 2, 29, 9, 0, tzinfo=UTC)),  # leap year
        (datetime(2030, 3, 31, 9, 0, tzinfo=UTC), -1, datetime(2030, 2, 28, 9, 0, tzinfo=UTC)),
        (datetime(2030, 11, 30, 9, 0, tzinfo=UTC), 3, datetime(2031, 2, 28, 9, 0, tzinfo=UTC)),  # over a year end
        (datetime(2030, 1, 15, 9, 0, tzinfo=UTC), -13, datetime(2028, 12, 15, 9, 0, tzinfo=UTC)),
        (LAST_INSTANT_OF_MAY, 0, LAST_INSTANT_OF_MAY),
    ],
)
def test_calendar_months_clamp_the_day_to_the_months_end(awarded: datetime, months: int, expected: datetime) -> None:
    assert add_months(awarded, months) == expected


def test_months_past_the_calendar_saturate() -> None:
    assert add_months(datetime(9999, 12, 1, tzinfo=UTC), 1) == LAST
    assert add_months(datetime(1, 1, 1, tzinfo=UTC), -1) == FIRST
    assert add_months(datetime(9999, 11, 30, tzinfo=UTC), 1) == datetime(9999, 12, 30, tzinfo=UTC)


def test_timeframes_in_months_and_years_are_calendar_months() -> None:
    leap_day = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    months = badge(expiry_type="timeframe", timeframe_amount=12, timeframe_unit="months")
    years = badge(expiry_type="timeframe", timeframe_amount=1, timeframe_unit="years")
    assert expiry_date(months, leap_day) == expiry_date(years, leap_day) == datetime(2029, 2, 28, 12, 0, tzinfo=UTC)
    assert expiry_date(badge(expiry_type="timeframe", timeframe_amount=4, timeframe_unit="years"), leap_day) == (
        datetime(2032, 2, 29, 12, 0, tzinfo=UTC)
    )


def test_a_fractional_amount_of_months_counts_as_the_nearest_whole_month() -> None:
    awarded = datetime(2030, 1, 10, tzinfo=UTC)
    two = badge(expiry_type="timeframe", timeframe_amount=1.6, timeframe_unit="months")
    assert expiry_date(two, awarded) == datetime(2030, 3, 10, tzinfo=UTC)
    one = badge(expiry_type="timeframe", timeframe_amount=1.4, timeframe_unit="months")
    assert expiry_date(one, awarded) == datetime(2030, 2, 10, tzinfo=UTC)


@pytest.mark.parametrize("unit", ["days", "months", "years"])
def test_an_amount_stored_before_the_bounds_saturates_at_the_calendars_end(unit: str) -> None:
    for amount in (1e300, math.inf):
        stored = badge(expiry_type="timeframe", timeframe_amount=amount, timeframe_unit=unit)
        assert expiry_date(stored, AWARDED) == LAST


def test_the_largest_accepted_timeframes_are_100_years_after_the_award() -> None:
    for amount, unit in ((1200, "months"), (100, "years")):
        stored = badge(expiry_type="timeframe", timeframe_amount=amount, timeframe_unit=unit)
        assert expiry_date(stored, AWARDED) == AWARDED.replace(year=2130)
    days = badge(expiry_type="timeframe", timeframe_amount=36500, timeframe_unit="days")
    assert expiry_date(days, AWARDED) == AWARDED + timedelta(days=36500)


def test_an_award_is_active_up_to_and_at_its_expiry_instant_and_expired_after() -> None:
    """The status the console shows for a user's badge (the smallest function holding the rule)."""
    expires = AWARDED + timedelta(days=30)
    award = SimpleNamespace(
        offeringId="o1", title="Safe lifting", awardedAt=AWARDED,
        badgeExpiry=SimpleNamespace(expires=True, expirationDate=expires),
    )  # fmt: skip
    status = {now: console_badge(award, {"o1": "Class"}, now).status for now in (
        expires - timedelta(microseconds=1), expires, expires + timedelta(microseconds=1),
    )}  # fmt: skip
    assert list(status.values()) == ["active", "active", "expired"]
    in_auckland = expires.astimezone(timezone(timedelta(hours=13)))
    assert console_badge(award, {}, in_auckland).status == "active"
    never = SimpleNamespace(
        offeringId="o1", title="t", awardedAt=AWARDED, badgeExpiry=SimpleNamespace(expires=False, expirationDate=None)
    )
    assert console_badge(never, {}, LAST).status == "no expiry"
