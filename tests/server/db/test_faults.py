"""Statement budgets and lost connections at the driver level (decisions F3-F5), on the suite's database.

A statement past `statement_timeout` is stopped by the database (PostgreSQL's `statement_timeout`, SQLite's
progress handler) on both the engine and the read path's own reader, and recognised as such; the connection is
usable afterwards; a commit is never interrupted; small statements never pay for the check. On PostgreSQL, read
connections terminated under the reader are replaced, all of them at once.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
import pytest
from sqlalchemy import func, literal_column, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from openqualify.server.db.compiled import CompiledReader, SQLiteReader
from openqualify.server.db.engine import APPLICATION_NAME, make_async_engine
from openqualify.server.db.faults import (
    DatabaseUnreachable,
    is_connection_lost,
    is_damaged_file,
    is_statement_timeout,
)
from openqualify.server.db.pg_reader import PostgresReader

BUDGET = 0.3  # seconds


# Statements that run for tens of seconds unless stopped (bounded, so that a broken budget fails, not hangs).
_SQLITE_LONG = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000000) SELECT count(*)"
_LONG = {"sqlite": f"{_SQLITE_LONG} FROM n", "postgresql": "SELECT pg_sleep(30)"}
_LONG_COLUMN = {"sqlite": f"{_SQLITE_LONG} AS x FROM n", "postgresql": "SELECT pg_sleep(30)::text AS x"}


@asynccontextmanager
async def _engine(database_url: str, statement_timeout: float) -> AsyncIterator[AsyncEngine]:
    engine = make_async_engine(database_url, pool_size=2, statement_timeout=statement_timeout)
    try:
        yield engine
    finally:
        await engine.dispose()


def _reader(engine: AsyncEngine, database_url: str, statement_timeout: float) -> CompiledReader:
    if engine.dialect.name == "sqlite":
        return SQLiteReader(database_url, engine.dialect, 30.0, statement_timeout)
    return PostgresReader(engine, 2, 30.0, statement_timeout)


def test_a_statement_past_its_budget_is_stopped_and_the_connection_lives_on(database_url: str) -> None:
    async def scenario() -> None:
        async with _engine(database_url, BUDGET) as engine:
            started = time.monotonic()
            async with engine.connect() as connection:
                with pytest.raises(OperationalError) as stopped:
                    await connection.execute(text(_LONG[engine.dialect.name]))
                assert is_statement_timeout(stopped.value)
                assert not is_connection_lost(stopped.value)
                await connection.rollback()
                assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1  # usable afterwards
            assert time.monotonic() - started < 10

    asyncio.run(scenario())


def test_the_read_path_has_the_same_budget(database_url: str) -> None:
    async def scenario() -> None:
        async with _engine(database_url, BUDGET) as engine:
            reader = _reader(engine, database_url, BUDGET)
            long = f"({_LONG_COLUMN[engine.dialect.name]}) AS t"
            endless = reader.compiled(select(literal_column("x")).select_from(text(long)))
            assert endless is not None
            started = time.monotonic()
            try:
                with pytest.raises((DBAPIError, sqlite3.OperationalError)) as stopped:
                    await reader.rows(endless, {})
                assert is_statement_timeout(stopped.value)
                assert time.monotonic() - started < 10
                one = reader.compiled(select(func.count()).select_from(text("alembic_version")))
                assert one is not None and (await reader.rows(one, {}))[0][0] == 1  # the reader goes on
            finally:
                await reader.close()

    asyncio.run(scenario())


def test_a_unit_of_work_longer_than_the_budget_commits(database_url: str) -> None:
    """The budget is per statement: a transaction that lasts longer (its statements short) commits."""

    async def scenario() -> None:
        async with _engine(database_url, BUDGET) as engine:
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE budget_probe (id INTEGER)"))
                await asyncio.sleep(BUDGET * 2)
                await connection.execute(text("INSERT INTO budget_probe VALUES (1)"))
            async with engine.begin() as connection:
                assert (await connection.execute(text("SELECT count(*) FROM budget_probe"))).scalar_one() == 1
                await connection.execute(text("DROP TABLE budget_probe"))

    asyncio.run(scenario())


def test_no_budget_by_default(database_url: str) -> None:
    """0 means no limit (and on SQLite no progress handler at all)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's progress handler")

    async def scenario() -> None:
        async with _engine(database_url, 0) as engine, engine.connect() as connection:
            statement = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) " \
                    "SELECT count(*) FROM n"
            assert (await connection.execute(text(statement))).scalar_one() == 300_000

    asyncio.run(scenario())


def test_sessions_are_named_in_pg_stat_activity(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's sessions")

    async def scenario() -> None:
        async with _engine(database_url, 0) as engine:
            async with engine.connect() as connection:
                name = (await connection.execute(text("SHOW application_name"))).scalar_one()
                budget = (await connection.execute(text("SHOW statement_timeout"))).scalar_one()
            reader = _reader(engine, database_url, 2.0)
            try:
                query = reader.compiled(select(func.current_setting("statement_timeout")))
                assert query is not None
                assert (await reader.rows(query, {}))[0][0] == "2s"
            finally:
                await reader.close()
        assert name == APPLICATION_NAME
        assert budget == "0"

    asyncio.run(scenario())


def test_read_connections_terminated_under_the_reader_are_all_replaced(database_url: str) -> None:
    """A restart ends every connection of the pool: the first read meets one, the others are tested and replaced
    at once, and no read fails."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the reader under test is PostgreSQL's")

    async def scenario() -> None:
        async with _engine(database_url, 0) as engine:
            reader = PostgresReader(engine, 4, 30.0)
            try:
                pid = reader.compiled(select(func.pg_backend_pid()))
                assert pid is not None
                held = await asyncio.gather(*(reader.rows(pid, {}) for _ in range(8)))  # the pool grows to 4
                assert {rows[0][0] for rows in held}
                async with await psycopg.AsyncConnection.connect(_driver_url(database_url), autocommit=True) as admin:
                    await admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND application_name = %s AND pid <> pg_backend_pid()",
                        (APPLICATION_NAME,),
                    )
                for _ in range(8):
                    assert (await reader.rows(pid, {}))[0][0]  # each answered, none lost
            finally:
                await reader.close()

    asyncio.run(scenario())


def _driver_url(database_url: str) -> str:
    return database_url.replace("postgresql+psycopg://", "postgresql://")


def test_what_the_errors_mean() -> None:
    lost = psycopg.OperationalError("server closed the connection unexpectedly")
    assert is_connection_lost(lost)
    assert is_connection_lost(DatabaseUnreachable("away"))
    assert is_connection_lost(OperationalError("SELECT 1", {}, lost))
    assert not is_connection_lost(psycopg.errors.UniqueViolation("duplicate"))
    assert not is_connection_lost(sqlite3.OperationalError("database is locked"))
    assert is_statement_timeout(psycopg.errors.QueryCanceled("canceling statement due to statement timeout"))
    interrupted = sqlite3.OperationalError("interrupted")
    interrupted.sqlite_errorcode = sqlite3.SQLITE_INTERRUPT  # type: ignore[attr-defined]
    assert is_statement_timeout(interrupted)
    corrupt = sqlite3.DatabaseError("database disk image is malformed")
    corrupt.sqlite_errorcode = sqlite3.SQLITE_CORRUPT  # type: ignore[attr-defined]
    assert is_damaged_file(corrupt)
    assert not is_damaged_file(interrupted)
