"""The read path's statements on PostgreSQL: compiled once (`db.compiled`), run on a pool of psycopg connections.

Measured on this project's machine, one connection at a time: `SELECT 1` through SQLAlchemy's async engine
(pool checkout, Core execution, return) costs about 0.6-1.0 ms; the same through psycopg's own pool 0.2 ms. A
single-object read is one or two such statements, so the driver stack was most of its cost.

The pool (psycopg_pool, sized like the engine's) holds connections in autocommit, made with the engine's own
connection arguments and type adapters (JSON documents parsed by orjson, as Core reads them). Each statement
takes a connection, runs, and gives it back: no transaction, so every statement sees the latest committed data.
psycopg prepares a statement on a connection after a few runs, so the hot reads skip the server's parsing and
planning too. A connection that broke (a restarted or failed-over server) is dropped by the pool, the idle ones
are tested and replaced (a restart breaks them all), and the read is run once more on a fresh one, since reads
change nothing. While the database may be away (a connection was lost and no read has worked since), a wait for
a connection is short: the pool cannot make one, and the request is better answered 503 (`middleware.replay`)
than held for the whole lock timeout. Errors leave as SQLAlchemy's exceptions, as Core's would, so the error
handlers treat both paths alike (a pool wait past the lock timeout is a 503).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import psycopg
from opentelemetry.trace import SpanKind
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from openqualify.server.db.compiled import CompiledQuery, CompiledReader
from openqualify.server.db.engine import postgres_session
from openqualify.server.db.faults import DatabaseUnreachable, is_connection_lost
from openqualify.server.observability.db import READS, read_span
from openqualify.server.observability.metrics import PoolMetrics, pool_metrics

UNSURE_WAIT_SECONDS = 1.0  # the longest wait for a connection while the database may be away


class PostgresReader(CompiledReader):
    def __init__(
        self,
        engine: AsyncEngine,
        max_size: int,
        lock_timeout: float,
        statement_timeout: float = 0.0,
        *,
        pooler: str = "none",
        pool_name: str = READS,
        pool_wait: float | None = None,
    ) -> None:
        """`pooler`: see `engine.postgres_session`; `pool_name`: the pool's label in the metrics (`replica` for a
        standby's); `pool_wait`: the longest wait for a connection (default: the lock timeout)."""
        super().__init__(engine.dialect)
        _, connect_params = engine.dialect.create_connect_args(engine.url)
        session = postgres_session(engine.url, lock_timeout, statement_timeout, pooler)
        self._connect_params = {**connect_params, **session, "autocommit": True}
        self._max_size = max_size
        self._timeout = lock_timeout if pool_wait is None else min(pool_wait, lock_timeout)
        self._name = pool_name
        self._pool: AsyncConnectionPool | None = None
        self._starting = asyncio.Lock()
        # Since a connection was lost and until a statement succeeds again, the database may be away: a wait
        # for a connection is then short (the pool cannot make one), not the whole lock timeout.
        self._unsure = False
        self._checking = False
        self._generation = 0  # pools made so far (`_renew`)
        self._retired: set[asyncio.Task[None]] = set()
        # Observability (set by the application): the pool's metrics, and psycopg's spans on each new connection.
        self.pool_metrics: PoolMetrics | None = pool_metrics(pool_name)
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
                    name=f"openqualify-{self._name}",
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
            found = await self._attempt(query, arguments)
            self._unsure = False
            return found
        except PoolTimeout as error:
            if self.pool_metrics is not None:
                self.pool_metrics.timed_out()
            if self._unsure:
                raise DatabaseUnreachable("no connection to the database could be made") from error
            raise sa_exc.TimeoutError(f"no read connection free within {self._timeout} s") from error
        except psycopg.Error as error:
            # hide_parameters: errors in logs never carry values (e-mails, names, token hashes): issue 19.12
            raise sa_exc.DBAPIError.instance(query.sql, arguments, error, psycopg.Error, True) from error

    async def _attempt(self, query: CompiledQuery, arguments: Any) -> list[Any]:
        """The statement, run once more (reads change nothing) when the first try met a lost connection, or found
        the pool empty after the database came back."""
        generation = self._generation
        try:
            return await self._run(query, arguments)
        except PoolTimeout:  # (an OperationalError too)
            if not self._unsure or not await self._renew(generation):
                raise
        except PoolClosed:  # another read renewed the pool while this one waited on the old: run on the new
            if generation == self._generation:  # closed by `close`: the worker is stopping
                raise
        except psycopg.OperationalError as error:
            if not is_connection_lost(error):
                raise
            await self._drop_broken()
        return await self._run(query, arguments)

    async def _run(self, query: CompiledQuery, arguments: Any) -> list[Any]:
        pool = await self._live()
        wait = min(self._timeout, UNSURE_WAIT_SECONDS) if self._unsure else self._timeout
        observed = self.pool_metrics
        if observed is None:
            async with pool.connection(timeout=wait) as connection:
                return await self._execute(connection, query, arguments)
        started = time.perf_counter()
        async with pool.connection(timeout=wait) as connection:
            observed.waited(time.perf_counter() - started)
            observed.checked_out()
            try:
                return await self._execute(connection, query, arguments)
            finally:
                observed.checked_in()

    async def first_row(self, sql: str) -> tuple[Any, ...]:
        """The first row of a statement without parameters (the replicas' positions, `db.replicas`)."""
        pool = await self._live()
        async with pool.connection(timeout=self._timeout) as connection:
            cursor = await connection.execute(sql)
            found = await cursor.fetchone()
        if found is None:
            raise LookupError(sql)
        return tuple(found)

    @staticmethod
    async def _execute(connection: psycopg.AsyncConnection[Any], query: CompiledQuery, arguments: Any) -> list[Any]:
        cursor = await connection.execute(query.sql, arguments)
        raws = await cursor.fetchall()
        if query.processed is not None:  # the columns' converters are known: no need for the description
            return query.rows(raws)
        return query.rows(raws, [column.type_code for column in cursor.description or ()])

    async def _drop_broken(self) -> None:
        """A connection was lost (a restart or failover ends them all): test the idle ones and replace those that
        broke too, so that the next reads do not meet them one by one. One check at a time."""
        self._unsure = True
        if self._checking or self._pool is None:
            return
        self._checking = True
        try:
            await self._pool.check()
        except psycopg.Error:  # the database is away: the pool keeps trying to reconnect in the background
            pass
        finally:
            self._checking = False

    async def _renew(self, generation: int) -> bool:
        """The pool had no connection to give while the database may be away. While it was away the pool waited
        longer and longer between its attempts to reconnect (seconds, doubling), so it may sit empty after the
        database is back: if the database answers a connection of our own, a fresh pool replaces it and reads
        resume at once. False if the database is still away."""
        async with self._starting:
            if generation != self._generation:  # another read renewed it meanwhile
                return True
            try:
                probe = await psycopg.AsyncConnection.connect(**self._connect_params)
            except psycopg.Error:
                return False
            await probe.close()
            old, self._pool = self._pool, None
            self._generation += 1
        if old is not None:  # its connections in use are closed as they come back
            if self.pool_metrics is not None:
                self.pool_metrics.closed(self._max_size)
            self._retired.add(task := asyncio.create_task(old.close(timeout=1.0)))
            task.add_done_callback(self._retired.discard)
        return True

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
            if self.pool_metrics is not None:
                self.pool_metrics.closed(self._max_size)
        if self._retired:
            await asyncio.gather(*self._retired, return_exceptions=True)
