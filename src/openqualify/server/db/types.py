"""Column types that migrations import: released history, so their shape never changes.

A migration renders a custom type as `openqualify.server.db.types.<Name>()` and is never edited after release,
so every class here keeps its module, name, constructor and storage (`impl`) forever, and this module imports
nothing else of OpenQualify. A type that must store differently is a new class (and a new revision that
converts the column), never a change to an existing one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator
from sqlalchemy.engine import Dialect


def _utc(value: datetime) -> datetime:
    """Aware UTC; a naive value is taken to be UTC already (as `kit.timefmt.to_utc`)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def naive_utc(value: datetime) -> datetime:
    """How `UTCDateTime` stores a date-time: naive UTC (a naive value is taken to be UTC already)."""
    return _utc(value).replace(tzinfo=None)


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC on both databases; always read back as an aware UTC datetime."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return naive_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return _utc(value)
