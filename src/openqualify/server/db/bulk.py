"""Writing many plain rows at once, fast on both databases, leaving the event loop free between chunks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Dialect, Table
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.base import Base
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
    names = list(rows[0])
    processors = _processors(connection.dialect, table, names)
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in names)
    table_name = connection.dialect.identifier_preparer.format_table(table)
    command = f"INSERT INTO {table_name} ({quoted}) VALUES ({', '.join('?' * len(names))})"
    for part in chunks(rows, CHUNK):
        values = [tuple(p(row[n]) if p is not None else row[n] for n, p in processors) for row in part]
        await connection.exec_driver_sql(command, values)
        await pause()


def _processors(dialect: Dialect, table: Table, names: list[str]) -> list[tuple[str, Any]]:
    """Each column's own bind processing (naive UTC datetimes, JSON documents), as an INSERT would apply it."""
    return [(name, table.c[name].type._cached_bind_processor(dialect)) for name in names]


async def _copy(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    connection = await session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    processors = [p for _, p in _processors(dialect, table, names)]
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None, "a connection checked out of the pool has its driver's connection"
    command = f"COPY {dialect.identifier_preparer.format_table(table)} ({quoted}) FROM STDIN"
    async with driver.cursor() as cursor, cursor.copy(command) as copy:
        for part in chunks(rows, CHUNK):
            for row in part:
                await copy.write_row(
                    [p(row[n]) if p is not None else row[n] for n, p in zip(names, processors, strict=True)]
                )
            await pause()
