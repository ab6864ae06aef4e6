"""An async SQLAlchemy dialect for SQLite that runs each statement inline, on the event loop's thread.

SQLite is a library in our own process, not a server: a query on a local file takes microseconds to a
millisecond. aiosqlite runs each call on a helper thread, which costs two thread switches per call and, on a
busy two-core machine, milliseconds of scheduling latency per query. Running the sqlite3 calls inline
removes that cost.

Inline calls must never wait for a lock, or the whole event loop waits with them (and the lock holder, a
request of the same loop, can then never finish). So connections run with SQLite's busy timeout at 0 and
every wait happens in asyncio instead (docs/decisions.md, "Data path"):

* writers of one process queue on the engine's `WriteGate` (an asyncio lock) before `BEGIN IMMEDIATE` and
  release it when their transaction ends: at most one transaction of the process holds the write lock;
* a lock held by another process (a second worker, the CLI) answers SQLITE_BUSY at once; `BEGIN IMMEDIATE`
  and autocommit statements then retry after short asyncio sleeps, up to the lock timeout, while the loop
  serves everything else.

URL: `sqlite+inline:///path.db` (`db.urls.async_url` picks it for every `sqlite://` URL).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)

from openqualify.server.observability import metrics

BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"
DEFAULT_LOCK_TIMEOUT = 30.0  # seconds a statement may wait for another process's lock
_FIRST_RETRY_DELAY = 0.001
_MAX_RETRY_DELAY = 0.05
# How often (in SQLite virtual-machine steps) a running statement checks its budget: tens of microseconds of
# work apart, so small statements never check at all and a long one is stopped within a millisecond or so.
BUDGET_CHECK_STEPS = 10_000

T = TypeVar("T")


def is_busy(error: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY / SQLITE_LOCKED: another connection holds a lock we need."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error)


async def retry_while_busy(call: Callable[[], T], timeout: float) -> T:
    """Run `call` (a non-blocking sqlite3 call); while it answers BUSY, sleep in asyncio and try again."""
    deadline = time.monotonic() + timeout
    delay = _FIRST_RETRY_DELAY
    busy_since: float | None = None
    while True:
        try:
            result = call()
        except sqlite3.OperationalError as error:
            busy = is_busy(error)
            if not busy or time.monotonic() + delay > deadline:
                if busy:
                    metrics.sqlite_busy_timed_out()
                if busy_since is not None:
                    metrics.sqlite_lock_waited("busy", time.monotonic() - busy_since)
                raise
        else:
            if busy_since is not None:
                metrics.sqlite_lock_waited("busy", time.monotonic() - busy_since)
            return result
        if busy_since is None:
            busy_since = time.monotonic()
        await asyncio.sleep(delay)
        delay = min(delay * 2, _MAX_RETRY_DELAY)


class StatementBudget:
    """How long one statement of a connection may run (`OPENQUALIFY_STATEMENT_TIMEOUT_MS`), as PostgreSQL's
    `statement_timeout` does: SQLite calls `check` every `BUDGET_CHECK_STEPS` steps of a running statement, and
    a statement past its deadline is interrupted (`sqlite3.OperationalError: interrupted`, answered 503).

    Statements run inline on the event loop, so the budget also bounds how long one statement can keep every
    other request of the worker waiting.
    """

    __slots__ = ("deadline", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = float("inf")

    def install(self, connection: sqlite3.Connection) -> None:
        if self.seconds > 0:
            connection.set_progress_handler(self.check, BUDGET_CHECK_STEPS)

    def start(self) -> None:
        """A statement begins: its budget runs from now (and covers fetching its rows)."""
        if self.seconds > 0:
            self.deadline = time.monotonic() + self.seconds

    def stop(self) -> None:
        """Statements of our own (COMMIT, ROLLBACK) are never interrupted."""
        self.deadline = float("inf")

    def check(self) -> int:
        return 1 if time.monotonic() > self.deadline else 0


class WriteGate:
    """The queue of one engine's writers: one transaction of this process holds SQLite's write lock at a time.

    An asyncio lock, so queued writers wait without blocking the loop, in arrival order.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        started = time.perf_counter()
        await self._lock.acquire()
        metrics.sqlite_lock_waited("write_gate", time.perf_counter() - started)

    def release(self) -> None:
        self._lock.release()

    @property
    def locked(self) -> bool:
        return self._lock.locked()


class _InlineCursor:
    """The awaitable cursor interface SQLAlchemy's adapters expect, completing immediately."""

    __slots__ = ("_cursor", "_owner")

    def __init__(self, cursor: sqlite3.Cursor, owner: _InlineConnection) -> None:
        self._cursor = cursor
        self._owner = owner

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
        self._owner.budget.start()
        if operation == BEGIN_IMMEDIATE:
            await self._owner.begin_immediate(self._cursor)
        elif self._owner.in_transaction:  # our own write transaction holds the lock: no wait is possible
            self._cursor.execute(operation, parameters)
        else:  # an autocommit statement (reads): a reader waits only in rare WAL edge cases
            await retry_while_busy(lambda: self._cursor.execute(operation, parameters), self._owner.lock_timeout)
        return self

    async def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> _InlineCursor:
        self._owner.budget.start()
        if self._owner.in_transaction:
            self._cursor.executemany(operation, seq_of_parameters)
        else:
            rows = list(seq_of_parameters)
            await retry_while_busy(lambda: self._cursor.executemany(operation, rows), self._owner.lock_timeout)
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
    """A sqlite3 connection behind the awaitable connection interface of aiosqlite.

    A write transaction starts with `begin_immediate` (through the gate) and ends with `commit`, `rollback`
    or `close`, each of which gives the gate back.
    """

    def __init__(
        self, connection: sqlite3.Connection, gate: WriteGate, lock_timeout: float, budget: StatementBudget
    ) -> None:
        self._conn: sqlite3.Connection | None = connection
        self._gate = gate
        self._holds_gate = False
        self.lock_timeout = lock_timeout
        self.budget = budget
        budget.install(connection)

    @property
    def in_transaction(self) -> bool:
        return self._conn is not None and self._conn.in_transaction

    async def begin_immediate(self, cursor: sqlite3.Cursor) -> None:
        if not self._holds_gate:
            await self._gate.acquire()
            self._holds_gate = True
        try:
            await retry_while_busy(lambda: cursor.execute(BEGIN_IMMEDIATE), self.lock_timeout)
        except BaseException:
            self._release_gate()
            raise

    def _release_gate(self) -> None:
        if self._holds_gate:
            self._holds_gate = False
            self._gate.release()

    @property
    def _connection(self) -> sqlite3.Connection | None:  # what SQLAlchemy's adapter checks before commit
        return self._conn

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return self._conn

    def cursor(self) -> _InlineCursor:
        return _InlineCursor(self._live().cursor(), self)

    def write_cursor(self) -> sqlite3.Cursor:
        """sqlite3's own cursor, for statements of the write transaction this connection holds (they never wait:
        the lock is ours), under the statement budget; without SQLAlchemy's execution machinery around each."""
        if not self.in_transaction:
            raise sqlite3.ProgrammingError("write_cursor outside a write transaction")
        self.budget.start()
        return self._live().cursor()

    @property
    def isolation_level(self) -> str | None:
        return self._live().isolation_level

    async def commit(self) -> None:
        self.budget.stop()
        try:
            self._live().commit()
        finally:
            if not self.in_transaction:
                self._release_gate()

    async def rollback(self) -> None:
        self.budget.stop()
        try:
            self._live().rollback()
        finally:
            self._release_gate()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live().create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._release_gate()


class _InlineAdaptedConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    @property
    def isolation_level(self) -> str | None:
        level: str | None = self._connection.isolation_level
        return level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._connection._live().isolation_level = value


class _InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """One per engine (SQLAlchemy imports the DBAPI for each engine it creates): its gate is the engine's."""

    def __init__(self) -> None:
        # sqlite3 provides everything the aiosqlite module would (errors, version); connections are ours.
        super().__init__(sqlite3, sqlite3)
        self.has_stop = True
        self.gate = WriteGate()

    def connect(self, *args: Any, **kwargs: Any) -> _InlineAdaptedConnection:
        kwargs.pop("async_creator_fn", None)
        lock_timeout = float(kwargs.pop("timeout", DEFAULT_LOCK_TIMEOUT))
        budget = StatementBudget(float(kwargs.pop("statement_timeout", 0.0)))
        kwargs["timeout"] = 0  # never wait inside sqlite3: waits happen in asyncio (retry_while_busy)
        kwargs["check_same_thread"] = False  # the pool may close connections from another thread at exit
        connection = _InlineConnection(sqlite3.connect(*args, **kwargs), self.gate, lock_timeout, budget)
        # SQLAlchemy's AsyncIODBAPIConnection protocol also asks for __getattr__/__setattr__ hooks, which this
        # connection does without: SQLAlchemy's adapter only calls the methods it defines.
        return _InlineAdaptedConnection(self, connection)  # type: ignore[arg-type]


class InlineSQLiteDialect(SQLiteDialect_aiosqlite):
    driver = "inline"
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> _InlineDBAPI:
        return _InlineDBAPI()

    def retrieve_dbapi_version(self, dbapi: Any) -> Any:
        return None


dialect = InlineSQLiteDialect

registry.register("sqlite.inline", "openqualify.server.db.sqlite_inline", "InlineSQLiteDialect")


def write_cursor(driver_connection: Any) -> sqlite3.Cursor:
    """`_InlineConnection.write_cursor` of a pooled connection's driver connection (`db.urls.async_url` gives every
    SQLite URL this dialect)."""
    if not isinstance(driver_connection, _InlineConnection):
        raise TypeError(f"not an inline SQLite connection: {type(driver_connection).__name__}")
    return driver_connection.write_cursor()

