"""Engines and sessions. SQLite runs in WAL mode with foreign keys on; PostgreSQL uses a pool."""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any

import orjson
from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from openqualify.server.db.sqlite_inline import DEFAULT_LOCK_TIMEOUT
from openqualify.server.db.urls import async_url, is_sqlite, sync_url

SQLITE_BUSY_TIMEOUT_MS = 10_000  # synchronous tools (CLI, migrations): they may wait inside sqlite3
SQLITE_CONNECT_BUSY_TIMEOUT_MS = 1_000  # the server's pragmas at connection time (rare: the pool keeps connections)

# Whether the current unit of work may write. On SQLite, writes take the write lock at BEGIN (IMMEDIATE),
# so two writers queue instead of deadlocking when both try to upgrade a read lock; reads run without an
# explicit transaction (each statement sees a consistent snapshot; WAL readers never block).
write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _inline_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """The server's connections: the same pragmas, then no busy wait inside sqlite3 (see `sqlite_inline`)."""
    raw = dbapi_connection._connection._live()  # the sqlite3 connection under the adapter
    raw.execute(f"PRAGMA busy_timeout={SQLITE_CONNECT_BUSY_TIMEOUT_MS}")
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA foreign_keys=ON")
    raw.execute("PRAGMA synchronous=NORMAL")
    raw.execute("PRAGMA busy_timeout=0")


def _begin_immediate_on_write(engine: Engine) -> None:
    """Issue BEGIN ourselves: IMMEDIATE for units of work that may write, nothing for reads."""

    @event.listens_for(engine, "connect")
    def _no_autobegin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if write_intent.get():
            conn.exec_driver_sql("BEGIN IMMEDIATE")


APPLICATION_NAME = "openqualify"  # how the server's PostgreSQL sessions show in pg_stat_activity
CONNECT_TIMEOUT_SECONDS = 5  # a server that does not answer a connection attempt at all (libpq's minimum is 2)


def postgres_session(
    url: str | URL, lock_timeout: float, statement_timeout: float, pooler: str = "none"
) -> dict[str, Any]:
    """Connection arguments of the server's PostgreSQL sessions, units of work and reads alike: how long a
    statement may wait for a lock (then 503, decision R4), how long it may run (0: no limit; then 503, decision
    F5), how long a connection attempt may take, and the name the sessions show in `pg_stat_activity`. What the
    URL's query already says (`?application_name=...`, `?options=...`) is kept.

    Behind pgbouncer in transaction mode (`pooler="pgbouncer"`, decision Y5): no prepared statements (pgbouncer
    1.18 cannot route them: `prepare_threshold=None`) and no `options` startup parameter (pgbouncer refuses it);
    the two timeouts are then the role's or the database's (`ALTER ROLE ... SET lock_timeout = ...`)."""
    given = make_url(url).query
    session: dict[str, Any] = {
        "connect_timeout": given.get("connect_timeout", CONNECT_TIMEOUT_SECONDS),
        "application_name": given.get("application_name", APPLICATION_NAME),
    }
    if pooler == "pgbouncer":
        session["prepare_threshold"] = None
        return session
    options = f"-c lock_timeout={int(lock_timeout * 1000)} -c statement_timeout={int(statement_timeout * 1000)}"
    if isinstance(own := given.get("options"), str):
        options = f"{own} {options}"
    return {"options": options, **session}


def make_async_engine(
    url: str,
    *,
    pool_size: int = 10,
    echo: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    statement_timeout: float = 0.0,
    pooler: str = "none",
) -> AsyncEngine:
    """The server's engine. `lock_timeout`: how long a statement may wait for a lock (queued, never blocking);
    `statement_timeout`: how long it may run (0: no limit); `pooler`: `pgbouncer` behind pgbouncer in transaction
    mode (`postgres_session`)."""
    if is_sqlite(url):
        engine = create_async_engine(
            async_url(url),
            echo=echo,
            connect_args={"timeout": lock_timeout, "statement_timeout": statement_timeout},
            json_deserializer=orjson.loads,
            hide_parameters=True,  # errors in logs never carry values (e-mails, names, token hashes): issue 19.12
        )
        event.listen(engine.sync_engine, "connect", _inline_sqlite_pragmas)
        _begin_immediate_on_write(engine.sync_engine)
        return engine
    engine = create_async_engine(
        async_url(url),
        echo=echo,
        hide_parameters=True,  # errors in logs never carry values (e-mails, names, token hashes): issue 19.12
        # A fixed pool: connections beyond it would be opened and closed per request (a new PostgreSQL backend
        # each time); past `pool_size` requests queue for a connection, at most `lock_timeout` (then 503).
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=lock_timeout,
        json_deserializer=orjson.loads,  # JSON documents are read by the thousand in lists
        connect_args=postgres_session(url, lock_timeout, statement_timeout, pooler),
    )
    _ping_after_idle(engine.sync_engine)
    return engine


def read_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine reads run on: on PostgreSQL the same pool in autocommit mode, so a read costs its statements'
    round trips and no BEGIN/ROLLBACK; on SQLite the engine itself (reads there never BEGIN, see above)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


PING_AFTER_IDLE_SECONDS = 10.0


def _ping_after_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it sat idle for a while (a restarted or failed-over server,
    a proxy's idle cut), instead of a round trip on every checkout as `pool_pre_ping` does."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the driver's own error: the connection is gone
            raise DisconnectionError(str(exc)) from exc
        if not alive:
            raise DisconnectionError("the pooled connection did not answer")


def make_sync_engine(url: str, *, echo: bool = False) -> Engine:
    if is_sqlite(url):
        engine = create_engine(sync_url(url), echo=echo, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        _begin_immediate_on_write(engine)
        return engine
    return create_engine(sync_url(url), echo=echo, pool_pre_ping=True, hide_parameters=True)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
