"""Date-times on the wire: RFC 3339 in, `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC, milliseconds) out.

Every date-time the API or the sandbox accepts lies within `EARLIEST`..`LATEST` (years 1900 to 9000): far
inside what Python's `datetime` (years 1 to 9999), PostgreSQL's `timestamp` and SQLite's text dates can hold,
so that any bounded duration the API adds to or takes from a stored date (relative due dates, badge expiry, the
sandbox clock, the console's weekly series: at most a few hundred years) stays computable. Dates stored before
the bound existed are read as they are; arithmetic on them saturates at the type's limits (`shift`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

# ASCII digits, the whole text (fullmatch: `$` would let a trailing newline through), as JSON Schema's pattern means.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII)


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)
_FIRST = datetime.min.replace(tzinfo=UTC)
_LAST = datetime.max.replace(tzinfo=UTC)


def to_utc(value: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """`YYYY-MM-DDTHH:mm:ss.sssZ`: what `to_utc(value).isoformat(timespec="milliseconds")` writes, with `Z` for
    `+00:00` (milliseconds truncated, as isoformat does), formatted with `%`: isoformat formats through C's
    printf machinery and cost twice as much."""
    utc = value if value.tzinfo is None or value.tzinfo is UTC else value.astimezone(UTC)
    return _WIRE % (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond // 1000)


_WIRE = "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ"


_WIRE_FORM = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def wire_text(text: str) -> str:
    """A stored RFC 3339 date-time as the API writes it: already in that form (what the server stores), it is
    returned as it is; otherwise parsed and formatted (raises ValueError if it is no date-time)."""
    if _WIRE_FORM.fullmatch(text):
        return text
    return format_datetime(parse_datetime(text))


_WIRE_FORM_ASCII = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", re.ASCII)


def parse_datetime(text: str) -> datetime:
    """Parse an RFC 3339 date-time (offset required); raises ValueError otherwise."""
    if isinstance(text, str) and _WIRE_FORM_ASCII.fullmatch(text):
        # The API's own form (every date-time it writes, so nearly every one an import or a mirror reads):
        # `fromisoformat` takes it as it is, UTC (a fifth of the general path's cost, 1.3 million times a mirror).
        return datetime.fromisoformat(text)
    if not isinstance(text, str) or not _RFC3339.fullmatch(text):
        raise ValueError("not an RFC 3339 date-time")
    normalised = text.replace("z", "Z").replace("t", "T")
    if normalised[10] == " ":
        normalised = normalised[:10] + "T" + normalised[11:]
    normalised = normalised.replace("Z", "+00:00")
    # fromisoformat in 3.11 takes at most 6 fractional digits.
    match = re.match(r"^(.*?\.)(\d+)(.*)$", normalised)
    if match:
        normalised = match.group(1) + match.group(2)[:6].ljust(6, "0") + match.group(3)
    return to_utc(datetime.fromisoformat(normalised))


RANGE_TEXT = f'from "{format_datetime(EARLIEST)}" to "{format_datetime(LATEST)}"'
RANGE_MESSAGE = f"should be a date-time {RANGE_TEXT}"


def in_range(value: datetime) -> bool:
    return EARLIEST <= to_utc(value) <= LATEST


def parse_bounded(text: str) -> datetime:
    """`parse_datetime`, refusing an instant outside `EARLIEST`..`LATEST` (ValueError saying the bounds)."""
    value = parse_datetime(text)
    if not in_range(value):
        raise ValueError(RANGE_MESSAGE)
    return value


def clamp(value: datetime) -> datetime:
    """The instant, moved into `EARLIEST`..`LATEST` if it lies outside."""
    return min(max(to_utc(value), EARLIEST), LATEST)


def shift(value: datetime, delta: timedelta | float) -> datetime:
    """`value + delta` (a timedelta or seconds), saturating at the first and last instants `datetime` can hold
    instead of raising OverflowError: for dates stored before the bounds, or durations read from old rows."""
    start = to_utc(value)
    seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
    if seconds != seconds:  # NaN: no move
        return start
    try:
        return start + (delta if isinstance(delta, timedelta) else timedelta(seconds=seconds))
    except OverflowError:  # past year 9999 or before year 1 (timedelta itself overflows past 10**9 days)
        return _LAST if seconds > 0 else _FIRST


def _strict_datetime(value: object) -> object:
    if isinstance(value, datetime):
        parsed = value
    elif not isinstance(value, str):
        raise ValueError("should be string")
    else:
        try:
            parsed = parse_datetime(value)
        except ValueError:
            raise ValueError('should match format "date-time"') from None
    if not in_range(parsed):
        raise ValueError(RANGE_MESSAGE)
    return parsed


# Input: only RFC 3339 strings (no numbers, no bare dates), as the contract's `format: date-time` asks, within
# EARLIEST..LATEST (`data.start should be a date-time from "1900-01-01T00:00:00.000Z" to ...`).
DateTimeIn = Annotated[datetime, BeforeValidator(_strict_datetime)]
# An optional one: absent is None, but a value that is present (JSON null too) must be such a string.
OptDateTimeIn = Annotated[datetime | None, BeforeValidator(_strict_datetime)]
# Output: always UTC with milliseconds and a `Z`.
DateTimeOut = Annotated[datetime, PlainSerializer(format_datetime, return_type=str)]
