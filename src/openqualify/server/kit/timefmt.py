"""Date-times on the wire: RFC 3339 in, `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC, milliseconds) out."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def to_utc(value: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    # isoformat of an aware UTC value ends in "+00:00"; swap that for "Z" (twice as fast as strftime).
    return to_utc(value).isoformat(timespec="milliseconds")[:-6] + "Z"


_WIRE_FORM = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def wire_text(text: str) -> str:
    """A stored RFC 3339 date-time as the API writes it: already in that form (what the server stores), it is
    returned as it is; otherwise parsed and formatted (raises ValueError if it is no date-time)."""
    if _WIRE_FORM.fullmatch(text):
        return text
    return format_datetime(parse_datetime(text))


def parse_datetime(text: str) -> datetime:
    """Parse an RFC 3339 date-time (offset required); raises ValueError otherwise."""
    if not isinstance(text, str) or not _RFC3339.match(text):
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


def _strict_datetime(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("should be string")
    try:
        return parse_datetime(value)
    except ValueError:
        raise ValueError('should match format "date-time"') from None


# Input: only RFC 3339 strings (no numbers, no bare dates), as the contract's `format: date-time` asks.
DateTimeIn = Annotated[datetime, BeforeValidator(_strict_datetime)]
# An optional one: absent is None, but a value that is present (JSON null too) must be such a string.
OptDateTimeIn = Annotated[datetime | None, BeforeValidator(_strict_datetime)]
# Output: always UTC with milliseconds and a `Z`.
DateTimeOut = Annotated[datetime, PlainSerializer(format_datetime, return_type=str)]
