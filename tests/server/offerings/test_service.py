"""Rule-level tests of an offering's dates (`offerings.service.check_dates`) and its badge's expiry settings
(`badge_row`), called directly: the boundaries are inclusive, the early close-off lies within start..end, and a
badge that expires names how."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from openqualify.server.kit.errors import ApiError
from openqualify.server.offerings.schemas import MAX_TIMEFRAME, BadgeIn
from openqualify.server.offerings.service import badge_row, check_dates

START = datetime(2030, 3, 10, 9, 0, tzinfo=UTC)
END = datetime(2030, 6, 30, 17, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)
NOW = datetime(2030, 3, 1, tzinfo=UTC)


def refusal(error: pytest.ExceptionInfo[ApiError]) -> dict[str, Any]:
    return dict(error.value.body())


def test_an_offering_may_end_when_it_starts_or_never() -> None:
    check_dates(START, START, False, None)
    check_dates(START, None, False, None)


def test_an_end_before_the_start_is_refused_even_by_a_microsecond() -> None:
    with pytest.raises(ApiError) as refused:
        check_dates(START, START - TICK, False, None)
    assert refusal(refused) == {"name": "IncompatibleParametersError", "details": "end cannot be before start."}


def test_instants_are_compared_across_time_zones() -> None:
    nzdt = timezone(timedelta(hours=13))
    check_dates(START, START.astimezone(nzdt), False, None)  # the same instant, written in New Zealand
    with pytest.raises(ApiError):
        check_dates(START, datetime(2030, 3, 10, 21, 59, tzinfo=nzdt), False, None)  # 08:59Z, before the start


@pytest.mark.parametrize("close_off", [START, END, START + (END - START) / 2])
def test_the_early_close_off_may_be_on_either_bound(close_off: datetime) -> None:
    check_dates(START, END, True, close_off)


@pytest.mark.parametrize("close_off", [START - TICK, END + TICK])
def test_an_early_close_off_outside_start_to_end_is_refused(close_off: datetime) -> None:
    with pytest.raises(ApiError) as refused:
        check_dates(START, END, True, close_off)
    assert refusal(refused)["details"] == "earlyCloseOffDate must be between start and end."


def test_an_early_close_off_without_an_end_only_has_to_follow_the_start() -> None:
    check_dates(START, None, True, datetime(8999, 1, 1, tzinfo=UTC))
    with pytest.raises(ApiError):
        check_dates(START, None, True, START - TICK)


def test_the_early_close_off_and_its_flag_go_together() -> None:
    with pytest.raises(ApiError) as missing:
        check_dates(START, END, True, None)
    assert refusal(missing)["details"] == "earlyCloseOffDate is required when hasEarlyCloseOff is true."
    with pytest.raises(ApiError) as extra:
        check_dates(START, END, False, END)
    assert refusal(extra)["details"] == "earlyCloseOffDate cannot be set when hasEarlyCloseOff is false."


def badge(**expiry: Any) -> BadgeIn:
    return BadgeIn.model_validate({"title": "Safe lifting", "badgeExpiry": expiry})


def test_a_badge_expires_when_given_an_expiry_type_unless_told_otherwise() -> None:
    dated = badge_row("o1", badge(expiryType="date", expirationDate="2031-01-01T00:00:00.000Z"), NOW)
    assert (dated.expires, dated.expiry_type, dated.expiration_date) == (True, "date", datetime(2031, 1, 1, tzinfo=UTC))
    off = badge_row("o1", badge(expires=False, expiryType="timeframe", timeframeAmount=3, timeframeUnit="days"), NOW)
    assert (off.expires, off.expiry_type, off.timeframe_amount, off.timeframe_unit) == (False, None, None, None)
    assert badge_row("o1", BadgeIn(title="No expiry"), NOW).expires is False
    timed = badge_row("o1", badge(expiryType="timeframe", timeframeAmount=0.5, timeframeUnit="days"), NOW)
    assert (timed.expires, timed.timeframe_amount, timed.timeframe_unit, timed.created_at) == (True, 0.5, "days", NOW)


@pytest.mark.parametrize(
    ("expiry", "field"),
    [
        ({"expires": True}, "expiryType"),
        ({"expiryType": "date"}, "expirationDate"),
        ({"expiryType": "timeframe", "timeframeUnit": "days"}, "timeframeAmount"),
        ({"expiryType": "timeframe", "timeframeAmount": 0, "timeframeUnit": "days"}, "timeframeAmount"),
        ({"expiryType": "timeframe", "timeframeAmount": -1, "timeframeUnit": "days"}, "timeframeAmount"),
        ({"expiryType": "timeframe", "timeframeAmount": 2}, "timeframeUnit"),
    ],
)
def test_an_expiry_missing_a_setting_names_it(expiry: dict[str, Any], field: str) -> None:
    with pytest.raises(ApiError) as refused:
        badge_row("o1", badge(**expiry), NOW)
    assert refusal(refused) == {
        "name": "MissingInfoError", "details": f"The field 'badgeExpiry.{field}' is missing or invalid.",
    }  # fmt: skip


@pytest.mark.parametrize("unit", ["days", "months", "years"])
def test_a_timeframe_is_at_most_100_years_in_its_unit(unit: str) -> None:
    most = MAX_TIMEFRAME[unit]
    row = badge_row("o1", badge(expiryType="timeframe", timeframeUnit=unit, timeframeAmount=most), NOW)
    assert row.timeframe_amount == most
    with pytest.raises(ValidationError):
        badge(expiryType="timeframe", timeframeUnit=unit, timeframeAmount=most + 0.5)


def test_a_badge_needs_a_title() -> None:
    with pytest.raises(ApiError) as refused:
        badge_row("o1", BadgeIn(title=""), NOW)
    assert refusal(refused) == {
        "name": "MissingInfoError", "details": "The field 'Offering Badge' is missing or invalid.",
    }  # fmt: skip
