"""Reads on the embedded database without SQLAlchemy's execution machinery: SQL compiled once, run on sqlite3.

A small read through SQLAlchemy Core costs about 50 us per statement of bookkeeping around the 5 us SQLite
spends (execution context, result metadata, three greenlet switches for connect, execute and close). The read
path (`kit.reads`) runs its statements, built once at import, through `SQLiteReader` instead: each statement is
compiled once for the engine's dialect, its parameters bound in the compiled order with the columns' own bind
processing, and its rows turned into named tuples through the columns' own result processing (aware UTC
datetimes, JSON documents, booleans), so rows look exactly as Core's do.

The reader keeps one sqlite3 connection of its own per engine, in autocommit mode: every statement reads the
latest committed data (WAL), never waits for writers, and runs inline on the event loop like every other
statement of `db.sqlite_inline`; a lock held by a checkpoint or another process is waited for in asyncio.
Statements with expanding (`IN`) parameters are not compiled here; the read path sends them through Core.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.url import make_url

from openqualify.server.db.sqlite_inline import retry_while_busy

Processor = Callable[[Any], Any] | None
READER_CACHE_KIB = 65_536


class NotCompilable(Exception):
    """The statement needs per-call rendering (expanding parameters): run it through Core."""


class CompiledQuery:
    __slots__ = ("defaults", "positions", "processed", "row_type", "sql")

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        if compiled.positiontup is None or "POSTCOMPILE" in str(compiled):
            raise NotCompilable(str(statement))
        self.sql = str(compiled)
        processors = compiled._bind_processors
        self.positions: list[tuple[str, Processor]] = [(name, processors.get(name)) for name in compiled.positiontup]
        self.defaults: dict[str, Any] = dict(compiled.params)
        columns = compiled._result_columns
        # Rows with the columns as attributes, as Core's rows have them.
        self.row_type: Any = namedtuple("ReadRow", [column[0] for column in columns], rename=True)  # type: ignore[misc]
        converters = [column[3]._cached_result_processor(dialect, None) for column in columns]
        # Only the columns whose type converts the driver's value (booleans, date-times, JSON documents).
        self.processed: list[tuple[int, Callable[[Any], Any]]] = [
            (index, process) for index, process in enumerate(converters) if process is not None
        ]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        values = {**self.defaults, **params}
        return [value if (process is None or value is None) else process(value)
                for value, process in ((values[name], process) for name, process in self.positions)]

    def rows(self, raws: list[Sequence[Any]]) -> list[Any]:
        make = self.row_type._make
        if not self.processed:
            return [make(raw) for raw in raws]
        processed = self.processed
        result = []
        for raw in raws:
            values = list(raw)
            for index, process in processed:
                value = values[index]
                if value is not None:
                    values[index] = process(value)
            result.append(make(values))
        return result


class SQLiteReader:
    """Runs compiled read statements on a connection of its own (see the module's docstring)."""

    def __init__(self, url: str, dialect: Dialect, lock_timeout: float) -> None:
        self._database = make_url(url).database or ":memory:"
        self._connection: sqlite3.Connection | None = None
        self._dialect = dialect
        self._lock_timeout = lock_timeout
        # id -> (the statement itself, kept so that its id is never reused; its compiled form or None)
        self._compiled: dict[int, tuple[Executable, CompiledQuery | None]] = {}

    def compiled(self, statement: Executable) -> CompiledQuery | None:
        """The statement compiled for this reader, or None when it must go through Core."""
        entry = self._compiled.get(id(statement))
        if entry is None or entry[0] is not statement:
            try:
                query: CompiledQuery | None = CompiledQuery(statement, self._dialect)
            except NotCompilable:
                query = None
            entry = self._compiled[id(statement)] = (statement, query)
        return entry[1]

    def _live(self) -> sqlite3.Connection:
        """The reader's connection, opened on first use (and again after `close`)."""
        if self._connection is None:
            self._connection = sqlite3.connect(
                self._database, isolation_level=None, check_same_thread=False, cached_statements=512, timeout=0
            )
            # Whole-offering lists touch thousands of scattered rows: keep the pages they read in this process
            # (SQLite's default cache is 2 MiB; pages are allocated only as they are read).
            self._connection.execute(f"PRAGMA cache_size=-{READER_CACHE_KIB}")
        return self._connection

    async def rows(self, query: CompiledQuery, params: Mapping[str, Any]) -> list[Any]:
        arguments = query.arguments(params)
        connection = self._live()
        cursor = await retry_while_busy(lambda: connection.execute(query.sql, arguments), self._lock_timeout)
        return query.rows(cursor.fetchall())

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
