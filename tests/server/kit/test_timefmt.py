"""`parse_datetime`: the API's own form (`YYYY-MM-DDTHH:mm:ss.sssZ`, taken by `fromisoformat` at once) reads as the
same instant as every other RFC 3339 spelling of it, and what is no date-time is refused on either path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from openqualify.server.kit.timefmt import parse_datetime

SPELLINGS = {  # the wire form first, then other spellings of the same instant (the general path)
    datetime(2024, 1, 8, 9, 0, 0, 123_000, tzinfo=UTC): [
        "2024-01-08T09:00:00.123Z", "2024-01-08t09:00:00.123z", "2024-01-08 09:00:00.123+00:00",
        "2024-01-08T10:00:00.123000+01:00", "2024-01-08T09:00:00.1230009Z",
    ],
    datetime(1900, 1, 1, tzinfo=UTC): ["1900-01-01T00:00:00.000Z", "1900-01-01T00:00:00Z"],
    datetime(9000, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC): [
        "9000-12-31T23:59:59.999Z", "9001-01-01T01:59:59.999+02:00",
    ],
}  # fmt: skip


@pytest.mark.parametrize("instant", list(SPELLINGS), ids=str)
def test_every_spelling_reads_as_the_same_utc_instant(instant: datetime) -> None:
    for text in SPELLINGS[instant]:
        parsed = parse_datetime(text)
        assert parsed == instant, text
        assert parsed.utcoffset() == timedelta(0) and parsed.tzinfo is UTC, text


@pytest.mark.parametrize(
    "text",
    [
        "2024-02-30T09:00:00.000Z", "2024-01-08T24:00:00.000Z", "0000-01-08T09:00:00.000Z",  # the wire's shape
        "\uff12\uff10\uff12\uff14-01-08T09:00:00.000Z", "2024-01-08T09:00:00.000Z\n",  # not RFC 3339
        "2024-01-08T09:00:00.000", "2024-01-08", "2024-01-08T09:00:00.12Z ", "",
    ],
)  # fmt: skip
def test_what_is_no_date_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_datetime(text)
