"""Planner statistics after large writes (PostgreSQL).

The planner chooses plans from table statistics that autovacuum refreshes only once a good share of a table
changed, checked once a minute. Right after a bulk add of thousands of accounts the statistics still describe
the old, small tables, and plans chosen for them (a sequential scan matched against a 500-value IN list, a hash
join over every user) turned a one-second bulk add into ten and a 30 ms progress page into 30 s. A unit of work
that wrote many rows into a table notes it (`note_rows_written`); after its commit, the tables are analysed on a
connection of their own (`refresh_after`), off the request's transaction and its locks.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

log = logging.getLogger(__name__)

ROWS_BEFORE_ANALYZE = 1_000
_WRITTEN = "rows_written"
_RUNNING: set[asyncio.Task[None]] = set()  # strong references: the loop keeps only weak ones


def note_rows_written(session: AsyncSession, table: str, count: int) -> None:
    """Count rows this unit of work wrote into `table` in bulk."""
    session.info.setdefault(_WRITTEN, Counter())[table] += count


def tables_to_analyze(session: AsyncSession) -> list[str]:
    written: Counter[str] = session.info.get(_WRITTEN, Counter())
    return sorted(table for table, count in written.items() if count >= ROWS_BEFORE_ANALYZE)


async def analyze(engine: AsyncEngine, tables: list[str]) -> None:
    """ANALYZE the tables in autocommit mode (PostgreSQL only); failures are logged, never raised."""
    if engine.dialect.name != "postgresql" or not tables:
        return
    quote = engine.dialect.identifier_preparer.quote
    try:
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f"ANALYZE {', '.join(quote(t) for t in tables)}"))
    except Exception:  # statistics are an optimisation: the data is committed either way
        log.warning("could not refresh planner statistics of %s", tables, exc_info=True)


def refresh_after(session: AsyncSession, engine: AsyncEngine) -> None:
    """After a commit: analyse, in the background, the tables the unit of work wrote many rows into."""
    tables = tables_to_analyze(session)
    if tables and engine.dialect.name == "postgresql":
        task = asyncio.get_running_loop().create_task(analyze(engine, tables))
        _RUNNING.add(task)
        task.add_done_callback(_RUNNING.discard)
