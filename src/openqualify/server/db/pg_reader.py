"""The read path's statements on PostgreSQL: compiled once (`db.compiled`), run on a pool of psycopg connections.

Measured on this project's machine, one connection at a time: `SELECT 1` through SQLAlchemy's async engine
(pool checkout, Core execution, return) costs about 0.6-1.0 ms; the same through psycopg's own pool 0.2 ms. A
single-object read is one or two such statements, so the driver stack was most of its cost.

The pool (psycopg_pool, sized like the engine's) holds connections in autocommit, made with the engine's own
connection arguments and type adapters (JSON documents parsed by orjson, as Core reads them). Each statement
takes a connection, runs, and gives it back: no transaction, so every statement sees the latest committed data.
psycopg prepares a statement on a connection after a few runs, so the hot reads skip the server's parsing and
planning too. A connection that broke (a restarted or failed-over server) is dropped by the pool; the read is
run once more on a fresh one, since reads change nothing. Errors leave as SQLAlchemy's exceptions, as Core's
would, so the error handlers treat both paths alike (a pool wait past the lock timeout is a 503).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import psycopg
from opentelemetry.trace import SpanKind
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout, TooManyRequests
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from openqualify.server.db.compiled import CompiledQuery, CompiledReader
from openqualify.server.observability.db import READS, read_span
from openqualify.server.observability.metrics import PoolMetrics, pool_metrics


class PostgresReader(CompiledReader):
    def __init__(self, engine: AsyncEngine, max_size: int, lock_timeout: float) -> None:
        super().__init__(engine.dialect)
        _, connect_params = engine.dialect.create_connect_args(engine.url)
        self._connect_params = {**connect_params, "autocommit": True}
        self._max_size = max_size
        self._timeout = lock_timeout
        self._pool: AsyncConnectionPool | None = None
        self._starting = asyncio.Lock()
        # Observability (set by the application): the pool's metrics, and psycopg's spans on each new connection.
        self.pool_metrics: PoolMetrics | None = pool_metrics(READS)
        self.configure_connection: Callable[[psycopg.AsyncConnection[Any]], Awaitable[None]] | None = None

    async def _live(self) -> AsyncConnectionPool:
        """The pool, started on first use (and again after `close`, as the engine's own pool is)."""
        if self._pool is not None:
            return self._pool
        async with self._starting:
            if self._pool is None:
                pool = AsyncConnectionPool(
                    kwargs=self._connect_params,
                    min_size=1,
                    max_size=self._max_size,
                    timeout=self._timeout,
                    open=False,
                    name="openqualify-reads",
                    configure=self.configure_connection,
                )
                await pool.open(wait=False)  # connections are made in the background
                self._pool = pool
                if self.pool_metrics is not None:
                    self.pool_metrics.opened(self._max_size)
            return self._pool

    async def open(self) -> None:
        await self._live()

    async def rows(self, query: CompiledQuery, params: Mapping[str, Any]) -> list[Any]:
        if self.tracer is not None:
            with read_span(self.tracer, query.sql, "postgresql", SpanKind.INTERNAL):
                return await self._rows(query, params)
        return await self._rows(query, params)

    async def _rows(self, query: CompiledQuery, params: Mapping[str, Any]) -> list[Any]:
        arguments = query.arguments(params)
        try:
            try:
                return await self._run(query, arguments)
            except psycopg.OperationalError as error:
                if not _connection_lost(error):
                    raise
                return await self._run(query, arguments)  # once more, on a connection the pool made anew
        except PoolTimeout as error:
            if self.pool_metrics is not None:
                self.pool_metrics.timed_out()
            raise sa_exc.TimeoutError(f"no read connection free within {self._timeout} s") from error
        except psycopg.Error as error:
            # hide_parameters: errors in logs never carry values (e-mails, names, token hashes): issue 19.12
            raise sa_exc.DBAPIError.instance(query.sql, arguments, error, psycopg.Error, True) from error

    async def _run(self, query: CompiledQuery, arguments: Any) -> list[Any]:
        pool = await self._live()
        observed = self.pool_metrics
        if observed is None:
            async with pool.connection() as connection:
                return await self._execute(connection, query, arguments)
        started = time.perf_counter()
        async with pool.connection() as connection:
            observed.waited(time.perf_counter() - started)
            observed.checked_out()
            try:
                return await self._execute(connection, query, arguments)
            finally:
                observed.checked_in()

    @staticmethod
    async def _execute(connection: psycopg.AsyncConnection[Any], query: CompiledQuery, arguments: Any) -> list[Any]:
        cursor = await connection.execute(query.sql, arguments)
        raws = await cursor.fetchall()
        if query.processed is not None:  # the columns' converters are known: no need for the description
            return query.rows(raws)
        return query.rows(raws, [column.type_code for column in cursor.description or ()])

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
            if self.pool_metrics is not None:
                self.pool_metrics.closed(self._max_size)


def _connection_lost(error: psycopg.OperationalError) -> bool:
    """The server went away under the connection (not a query that failed on a healthy one, nor the pool's own
    wait for a connection, which is an OperationalError too)."""
    if isinstance(error, PoolClosed | PoolTimeout | TooManyRequests):
        return False
    return error.sqlstate is None or error.sqlstate.startswith("08") or error.sqlstate in {"57P01", "57P02", "57P03"}
