"""An async SQLAlchemy dialect for SQLite that runs each statement inline, on the event loop's thread.

SQLite is a library in our own process, not a server: a query on a local file takes microseconds to a
millisecond. aiosqlite runs each call on a helper thread, which costs two thread switches per call and, on a
busy two-core machine, milliseconds of scheduling latency per query. Running the sqlite3 calls inline
removes that cost. Within one process it also serialises transactions for free: a request never yields the
event loop in the middle of its database work, so two requests never contend for SQLite's write lock.
(Several worker processes on one SQLite file still work, with SQLite's busy timeout between them; production
deployments with several workers use PostgreSQL.)

URL: `sqlite+inline:///path.db` (`db.urls.async_url` picks it for every `sqlite://` URL).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)


class _InlineCursor:
    """The awaitable cursor interface SQLAlchemy's adapters expect, completing immediately."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> _InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, operation: str, parameters: Any = ()) -> _InlineCursor:
        self._cursor.execute(operation, parameters)
        return self

    async def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> _InlineCursor:
        self._cursor.executemany(operation, seq_of_parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *_sizes: Any) -> None:
        return None

    async def nextset(self) -> None:
        return None


class _InlineConnection:
    """A sqlite3 connection behind the awaitable connection interface of aiosqlite."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn: sqlite3.Connection | None = connection

    @property
    def _connection(self) -> sqlite3.Connection | None:  # what SQLAlchemy's adapter checks before commit
        return self._conn

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return self._conn

    def cursor(self) -> _InlineCursor:
        return _InlineCursor(self._live().cursor())

    @property
    def isolation_level(self) -> str | None:
        return self._live().isolation_level

    async def commit(self) -> None:
        self._live().commit()

    async def rollback(self) -> None:
        self._live().rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live().create_function(*args, **kwargs)

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class _InlineAdaptedConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    @property
    def isolation_level(self) -> str | None:
        return self._connection.isolation_level  # type: ignore[no-any-return]

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._connection._live().isolation_level = value  # type: ignore[attr-defined]


class _InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self) -> None:
        # sqlite3 provides everything the aiosqlite module would (errors, version); connections are ours.
        super().__init__(sqlite3, sqlite3)
        self.has_stop = True

    def connect(self, *args: Any, **kwargs: Any) -> _InlineAdaptedConnection:
        kwargs.pop("async_creator_fn", None)
        kwargs["check_same_thread"] = False  # the pool may close connections from another thread at exit
        return _InlineAdaptedConnection(self, _InlineConnection(sqlite3.connect(*args, **kwargs)))


class InlineSQLiteDialect(SQLiteDialect_aiosqlite):
    driver = "inline"
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> _InlineDBAPI:  # type: ignore[override]
        return _InlineDBAPI()

    def retrieve_dbapi_version(self, dbapi: Any) -> Any:
        return None


dialect = InlineSQLiteDialect

registry.register("sqlite.inline", "openqualify.server.db.sqlite_inline", "InlineSQLiteDialect")
