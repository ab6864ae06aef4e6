"""Reads without SQLAlchemy's execution machinery: SQL compiled once, run on the driver directly.

A small read through SQLAlchemy Core costs about 50 us per statement of bookkeeping on SQLite (execution
context, result metadata, greenlet switches for connect, execute and close) and, on PostgreSQL, about 0.5 ms
for the pool's checkout and return and Core's execution around a 0.2 ms round trip. The read path
(`kit.reads`) runs its statements, built once at import, through a `CompiledReader` instead: each statement is
compiled once for the engine's dialect, its parameters bound with the columns' own bind processing, and its
rows turned into named tuples through the columns' own result processing (aware UTC datetimes, JSON
documents, booleans), so rows look exactly as Core's do.

`SQLiteReader` (here) keeps one sqlite3 connection of its own per engine; `db.pg_reader.PostgresReader` keeps
a small pool of psycopg connections. Both run in autocommit: every statement reads the latest committed data.
Statements with expanding (`IN`) or literal-execute parameters are not compiled; the read path sends them
through Core.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from opentelemetry.trace import SpanKind, Tracer
from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.url import make_url

from openqualify.server.db.sqlite_inline import StatementBudget, retry_while_busy
from openqualify.server.observability.db import read_span

Processor = Callable[[Any], Any] | None
READER_CACHE_KIB = 65_536


class NotCompilable(Exception):
    """The statement needs per-call rendering (expanding parameters): run it through Core."""


class CompiledQuery:
    """One statement compiled for a dialect: its SQL, how to bind its parameters and how to read its rows.

    Positional dialects (SQLite's `?`) take a list of arguments in the compiled order; named ones
    (psycopg's `%(name)s`) a dict keyed by the names in the SQL.
    """

    __slots__ = ("_columns", "_dialect", "defaults", "named", "positions", "processed", "row_type", "sql")

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        self.sql = str(compiled)
        if "POSTCOMPILE" in self.sql:
            raise NotCompilable(self.sql)
        processors = compiled._bind_processors
        self.named = compiled.positiontup is None
        names = list(compiled.params) if self.named else compiled.positiontup
        escaped = compiled.escaped_bind_names or {}
        # (the parameter's name, its name in the SQL, its bind processor) in the order the driver wants them
        self.positions: list[tuple[str, str, Processor]] = [
            (name, escaped.get(name, name), processors.get(name)) for name in names
        ]
        self.defaults: dict[str, Any] = dict(compiled.params)
        self._columns = compiled._result_columns
        self._dialect = dialect
        # Rows with the columns as attributes, as Core's rows have them.
        self.row_type: Any = namedtuple(  # type: ignore[misc]
            "ReadRow", [column[0] for column in self._columns], rename=True
        )
        self.processed: list[tuple[int, Callable[[Any], Any]]] | None = None

    def _processors(self, type_codes: Sequence[Any] | None) -> list[tuple[int, Callable[[Any], Any]]]:
        """The columns whose type converts the driver's value (booleans, date-times, numbers, JSON documents).

        Worked out on the first rows: some types convert according to the driver's type of the column
        (PostgreSQL numerics); SQLite's driver tells none.
        """
        if self.processed is None:
            codes = type_codes or [None] * len(self._columns)
            converters = [
                column[3]._cached_result_processor(self._dialect, code)
                for column, code in zip(self._columns, codes, strict=True)
            ]
            self.processed = [(index, process) for index, process in enumerate(converters) if process is not None]
        return self.processed

    def arguments(self, params: Mapping[str, Any]) -> list[Any] | dict[str, Any]:
        values = {**self.defaults, **params}
        bound: list[Any] = []
        for name, _, process in self.positions:
            value = values[name]
            bound.append(value if process is None or value is None else process(value))
        if self.named:
            return {sql_name: value for (_, sql_name, _), value in zip(self.positions, bound, strict=True)}
        return bound

    def rows(self, raws: Sequence[Sequence[Any]], type_codes: Sequence[Any] | None = None) -> list[Any]:
        make = self.row_type._make
        processed = self._processors(type_codes)
        if not processed:
            return [make(raw) for raw in raws]
        result = []
        for raw in raws:
            values = list(raw)
            for index, process in processed:
                value = values[index]
                if value is not None:
                    values[index] = process(value)
            result.append(make(values))
        return result


class CompiledReader:
    """Compiles each read statement once for its dialect; subclasses run them on their driver."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self.tracer: Tracer | None = None  # set by the application when traces are on (observability.tracing)
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

    async def rows(self, query: CompiledQuery, params: Mapping[str, Any]) -> list[Any]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class SQLiteReader(CompiledReader):
    """One sqlite3 connection of the reader's own, in autocommit mode.

    Every statement reads the latest committed data (WAL), never waits for writers, and runs inline on the
    event loop like every other statement of `db.sqlite_inline`; a lock held by a checkpoint or another
    process is waited for in asyncio.
    """

    def __init__(self, url: str, dialect: Dialect, lock_timeout: float, statement_timeout: float = 0.0) -> None:
        super().__init__(dialect)
        self._database = make_url(url).database or ":memory:"
        self._connection: sqlite3.Connection | None = None
        self._lock_timeout = lock_timeout
        self._budget = StatementBudget(statement_timeout)

    def _live(self) -> sqlite3.Connection:
        """The reader's connection, opened on first use (and again after `close`)."""
        if self._connection is None:
            self._connection = sqlite3.connect(
                self._database, isolation_level=None, check_same_thread=False, cached_statements=512, timeout=0
            )
            # Whole-offering lists touch thousands of scattered rows: keep the pages they read in this process
            # (SQLite's default cache is 2 MiB; pages are allocated only as they are read).
            self._connection.execute(f"PRAGMA cache_size=-{READER_CACHE_KIB}")
            self._budget.install(self._connection)
        return self._connection

    async def rows(self, query: CompiledQuery, params: Mapping[str, Any]) -> list[Any]:
        if self.tracer is not None:
            with read_span(self.tracer, query.sql, "sqlite", SpanKind.CLIENT):
                return await self._rows(query, params)
        return await self._rows(query, params)

    async def _rows(self, query: CompiledQuery, params: Mapping[str, Any]) -> list[Any]:
        arguments = query.arguments(params)
        connection = self._live()

        def run() -> list[Any]:
            self._budget.start()  # the budget covers the statement and fetching its rows
            return connection.execute(query.sql, arguments).fetchall()

        return query.rows(await retry_while_busy(run, self._lock_timeout))

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
