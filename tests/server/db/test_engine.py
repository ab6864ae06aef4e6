"""The server's PostgreSQL pool: a connection that died while idle is replaced before use, reads run without a
transaction of their own."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from openqualify.server.db import engine as engine_module
from openqualify.server.db.engine import make_async_engine, read_engine


def _postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the pool under test is PostgreSQL's")


def test_a_connection_killed_while_idle_is_replaced(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _postgres(database_url)
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)

    async def scenario() -> None:
        engine = make_async_engine(database_url, pool_size=1)
        try:
            async with engine.connect() as connection:
                pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            other = make_async_engine(database_url, pool_size=1)
            async with other.connect() as killer:
                await killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await other.dispose()
            async with engine.connect() as connection:  # the dead connection is pinged, dropped and replaced
                assert (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one() != pid
        finally:
            await engine.dispose()

    asyncio.run(scenario())


def test_reads_run_in_autocommit(database_url: str) -> None:
    _postgres(database_url)

    async def scenario() -> None:
        engine = make_async_engine(database_url, pool_size=1)
        try:
            async with read_engine(engine).connect() as connection:
                await connection.execute(text("SELECT 1"))
                status = (await connection.execute(text("SELECT now() = statement_timestamp()"))).scalar_one()
                assert status is True  # each statement is its own transaction: no BEGIN held open
            async with engine.connect() as connection:  # the pool's connection is back to transactions
                await connection.execute(text("SELECT 1"))
                assert (await connection.execute(text("SELECT now() = statement_timestamp()"))).scalar_one() is False
        finally:
            await engine.dispose()

    asyncio.run(scenario())
