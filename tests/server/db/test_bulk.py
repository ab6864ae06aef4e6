"""`db.bulk`: a row's values bound as SQLAlchemy would bind them, in one step for `UTCDateTime` on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from openqualify.server.db import models  # noqa: F401  (the tables)
from openqualify.server.db.base import Base
from openqualify.server.db.bulk import row_values
from openqualify.server.db.types import UTCDateTime

INSTANTS = [
    None,
    datetime(2024, 1, 8, 9, 0, 0, 123_000, tzinfo=UTC),
    datetime(2024, 1, 8, 9, 0, tzinfo=UTC),  # no fraction: still six digits
    datetime(2024, 1, 8, 9, 0, 0, 1),  # naive: taken to be UTC
    datetime(2024, 1, 8, 23, 30, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),  # the next day in UTC
    datetime(999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),  # a three-digit year
    datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=13))),
]


def _plain(values: tuple[Any, ...]) -> list[Any]:
    return [getattr(value, "obj", value) for value in values]  # psycopg's Json wrapper: the document it wraps


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=lambda d: d.name)
def test_values_are_bound_as_sqlalchemy_binds_them(dialect: Any) -> None:
    table = Base.metadata.tables["assessment_marks"]
    own = {c.name: c.type._cached_bind_processor(dialect) for c in table.c}
    for instant in INSTANTS:
        row = {
            "id": "m1", "submission_id": "s1", "mark": "7", "feedback": None, "marker_user_id": None,
            "by_facilitator": True, "by_marker": False, "by_evaluator": False,
            "history": [{"id": "h1", "mark": "7", "createdAt": "2024-01-08T09:00:00.000Z"}],
            "created_at": instant or datetime(2024, 1, 1, tzinfo=UTC), "updated_at": instant, "org_id": "o1",
        }  # fmt: skip
        names = list(row)
        expected = tuple(own[n](row[n]) if own[n] is not None else row[n] for n in names)
        assert _plain(row_values(dialect, table, names)(row)) == _plain(expected), instant


def test_one_column() -> None:
    table = Base.metadata.tables["assessment_marks"]
    instant = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)
    processor = UTCDateTime()._cached_bind_processor(sqlite.dialect())
    assert processor is not None
    assert row_values(sqlite.dialect(), table, ["created_at"])({"created_at": instant}) == (processor(instant),)
