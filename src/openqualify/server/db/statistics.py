"""Planner statistics after large writes, on both databases.

Both planners choose plans from table statistics. PostgreSQL's autovacuum refreshes them only once a good share
of a table changed, checked once a minute: right after a bulk add of thousands of accounts they still describe
the old, small tables, and plans chosen for them (a sequential scan matched against a 500-value IN list, a hash
join over every user) turned a one-second bulk add into ten and a 30 ms progress page into 30 s. SQLite has no
statistics at all until someone runs ANALYZE, and without them picked plans 2-7x slower for the progress pages.

A unit of work that wrote many rows into a table notes it (`note_rows_written`); after its commit the tables are
analysed in the background (`refresh_after`), off the request's transaction: on PostgreSQL on a connection of its
own, on SQLite as a writer of its own (through the engine's write gate), with `analysis_limit` so that it reads a
sample of each index, not the whole file. A SQLite database that was never analysed is analysed at start-up
(`analyze_if_never`).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Coroutine
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from openqualify.server.db.engine import write_intent

log = logging.getLogger(__name__)

ROWS_BEFORE_ANALYZE = 1_000
_WRITTEN = "rows_written"
# Per engine, the tasks still running (strong references: the loop keeps only weak ones).
_RUNNING: dict[AsyncEngine, set[asyncio.Task[None]]] = {}


def note_rows_written(session: AsyncSession, table: str, count: int) -> None:
    """Count rows this unit of work wrote into `table` in bulk."""
    session.info.setdefault(_WRITTEN, Counter())[table] += count


def tables_to_analyze(session: AsyncSession) -> list[str]:
    written: Counter[str] = session.info.get(_WRITTEN, Counter())
    return sorted(table for table, count in written.items() if count >= ROWS_BEFORE_ANALYZE)


SQLITE_ANALYSIS_LIMIT = 1_000  # rows sampled per index (SQLite's `PRAGMA analysis_limit`)


async def analyze(engine: AsyncEngine, tables: list[str]) -> None:
    """ANALYZE the tables; failures are logged, never raised (statistics are an optimisation: the data is
    committed either way)."""
    if not tables:
        return
    quote = engine.dialect.identifier_preparer.quote
    try:
        if engine.dialect.name == "postgresql":
            async with engine.connect() as connection:
                connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text(f"ANALYZE {', '.join(quote(t) for t in tables)}"))
            return
        write_intent.set(True)  # this task's own context: a writer, queued behind the gate like any other
        async with engine.begin() as connection:
            await connection.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
            for table in tables:
                await connection.exec_driver_sql(f"ANALYZE {quote(table)}")
    except Exception:
        log.warning("could not refresh planner statistics of %s", tables, exc_info=True)


def _in_background(engine: AsyncEngine, work: Coroutine[Any, Any, None]) -> None:
    task = asyncio.get_running_loop().create_task(work)
    running = _RUNNING.setdefault(engine, set())
    running.add(task)
    task.add_done_callback(running.discard)


def refresh_after(session: AsyncSession, engine: AsyncEngine) -> None:
    """After a commit: analyse, in the background, the tables the unit of work wrote many rows into."""
    tables = tables_to_analyze(session)
    if tables:
        _in_background(engine, analyze(engine, tables))


def analyze_if_never(engine: AsyncEngine) -> None:
    """At start-up: a SQLite database without statistics (never analysed) gets them, in the background."""
    if engine.dialect.name == "sqlite":
        _in_background(engine, _analyze_if_never(engine))


async def _analyze_if_never(engine: AsyncEngine) -> None:
    write_intent.set(False)  # the look is a read
    async with engine.connect() as connection:
        found = await connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if found.first() is not None:
            return
        names = await connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        tables = sorted(name for (name,) in names)
    await analyze(engine, tables)


async def stop_background(engine: AsyncEngine) -> None:
    """At shutdown: cancel what is still running on the engine (before the engine goes)."""
    running = _RUNNING.pop(engine, set())
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)
