"""Date-times formatted by the database (`kit.json_rows.wire_time`) read exactly as `format_datetime` writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select

from openqualify.server.db.models import Organisation
from openqualify.server.kit.json_rows import wire_time
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.kit.timefmt import format_datetime

INSTANTS = [
    datetime(2024, 1, 15, 9, 0, tzinfo=UTC),
    datetime(2024, 2, 29, 23, 59, 59, 999_999, tzinfo=UTC),  # milliseconds truncated, never rounded up
    datetime(2031, 12, 31, 0, 0, 0, 123_456, tzinfo=UTC),
    datetime(1999, 6, 1, 12, 30, 5, 1_000, tzinfo=UTC),
    datetime(2026, 3, 29, 3, 15, tzinfo=UTC) + timedelta(microseconds=999),
    datetime(2026, 7, 1, 12, 0, tzinfo=UTC).astimezone(UTC),
]


@pytest.mark.parametrize("instant", INSTANTS, ids=lambda v: v.isoformat())
def test_wire_time_equals_format_datetime(sync_engine: Engine, instant: datetime) -> None:
    with admin_session(sync_engine) as session:
        org_id = f"wire-{instant.timestamp()}"
        values = {"id": org_id, "name": org_id, "created_at": instant, "clock_frozen_at": instant}
        session.execute(insert(Organisation).values(**values))
        column = Organisation.__table__.c.clock_frozen_at
        text = session.execute(select(wire_time(column)).where(Organisation.id == org_id)).scalar_one()
        session.rollback()
    assert text == format_datetime(instant)


def test_json_bytes_are_what_starlettes_response_makes_of_them() -> None:
    """`JSONBytes` builds a plain 200 itself (a read's answer): the same body and headers as Starlette's own
    `Response` would give; any other answer is Starlette's."""
    from starlette.responses import Response

    from openqualify.server.kit.json_rows import JSONBytes, dumps

    content = {"id": "o-1", "start": INSTANTS[1], "tags": ["a", "é"], "n": 3}
    for status, headers in ((200, None), (201, None), (204, None), (200, {"X-Extra": "1"})):
        made = JSONBytes(content, status_code=status, headers=headers)
        starlettes = Response(dumps(content), status_code=status, headers=headers, media_type="application/json")
        assert (made.status_code, made.body, made.raw_headers) == (status, starlettes.body, starlettes.raw_headers)
        assert made.background is None


@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.sampled_from([None, UTC, timezone(timedelta(0)), timezone(timedelta(hours=5, minutes=30)),
                     timezone(-timedelta(hours=11, minutes=59, seconds=59, microseconds=999_999))]),
)
@settings(max_examples=500)
def test_format_datetime_writes_what_isoformat_writes(instant: datetime, zone: timezone | None) -> None:
    value = instant if zone is None else instant.replace(tzinfo=zone)
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    assert format_datetime(value) == utc.isoformat(timespec="milliseconds")[:-6] + "Z"
