"""Writing many plain rows at once, fast on both databases, leaving the event loop free between chunks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Dialect, Table
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.base import Base, UTCDateTime
from openqualify.server.db.statistics import note_rows_written
from openqualify.server.kit.chunks import CHUNK, chunks, pause


async def insert_rows(session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """INSERT `rows` (complete, with their `org_id`, all with the same keys) into `model`'s table.

    PostgreSQL gets them through COPY, in this transaction (psycopg's executemany sends one INSERT per row,
    about 60 us each); SQLite gets the driver's `executemany` of plain tuples, each value through its column's
    bind processing only (SQLAlchemy's per-row parameter handling cost twice the insert itself: 66,000 rows of
    a sandbox import, 5.8 -> 3.2 s).
    """
    await insert_table_rows(session, model.__table__, rows)  # type: ignore[arg-type]


async def insert_table_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """`insert_rows` for a table."""
    if not rows:
        return
    note_rows_written(session, table.name, len(rows))
    if session.get_bind().dialect.name == "postgresql":
        await _copy(session, table, rows)
        return
    connection = await session.connection()
    command, values = sqlite_insert(connection.dialect, table, list(rows[0]))
    for part in chunks(rows, CHUNK):
        await connection.exec_driver_sql(command, [values(row) for row in part])
        await pause()


RowValues = Callable[[dict[str, Any]], tuple[Any, ...]]
_SQLITE_INSERTS: dict[tuple[str, tuple[str, ...]], tuple[str, RowValues]] = {}


def sqlite_insert(dialect: Dialect, table: Table, names: list[str]) -> tuple[str, RowValues]:
    """SQLite: the driver's INSERT of these columns (qmark) and a row's values as `row_values` binds them, built
    once per table and columns."""
    key = (table.name, tuple(names))
    found = _SQLITE_INSERTS.get(key)
    if found is None:
        quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
        table_name = dialect.identifier_preparer.format_table(table)
        command = f"INSERT INTO {table_name} ({quoted}) VALUES ({', '.join('?' * len(names))})"
        found = _SQLITE_INSERTS[key] = (command, row_values(dialect, table, names))
    return found


def _sqlite_utc_text(value: datetime | None) -> str | None:
    """`UTCDateTime`'s bind processing on SQLite in one step, the same text (naive UTC, `YYYY-MM-DD HH:MM:SS.ffffff`)
    at half the cost: a medium mirror binds 1.3 million date-times."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.isoformat(" ", "microseconds")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:-6]  # without "+00:00"


def _processor(dialect: Dialect, table: Table, name: str) -> Callable[[Any], Any] | None:
    kind = table.c[name].type
    if dialect.name == "sqlite" and isinstance(kind, UTCDateTime):
        return _sqlite_utc_text
    return kind._cached_bind_processor(dialect)


def row_values(dialect: Dialect, table: Table, names: list[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A row's values in the order of `names`, each through its column's own bind processing (naive UTC
    datetimes, JSON documents) as an INSERT would apply it; the values of columns without any are taken as they
    are, all at once (`itemgetter`)."""
    converting = [(i, p) for i, name in enumerate(names) if (p := _processor(dialect, table, name)) is not None]
    only = names[0]
    get: Callable[[dict[str, Any]], tuple[Any, ...]] = (
        itemgetter(*names) if len(names) > 1 else lambda row: (row[only],)
    )

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        found = list(get(row))
        for i, process in converting:
            found[i] = process(found[i])
        return tuple(found)  # what SQLAlchemy's `exec_driver_sql` takes

    return values


async def _copy(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    connection = await session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    values = row_values(dialect, table, names)
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None, "a connection checked out of the pool has its driver's connection"
    command = f"COPY {dialect.identifier_preparer.format_table(table)} ({quoted}) FROM STDIN"
    async with driver.cursor() as cursor, cursor.copy(command) as copy:
        for part in chunks(rows, CHUNK):
            for row in part:
                await copy.write_row(values(row))
            await pause()
