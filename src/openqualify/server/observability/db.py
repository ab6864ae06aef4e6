"""The database's share: SQLAlchemy's pool observed through its events, and spans for the read path's statements."""

from __future__ import annotations

import re
import time
from contextlib import AbstractContextManager
from functools import lru_cache
from typing import Any

from opentelemetry.trace import Span, SpanKind, Tracer
from sqlalchemy import event
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine

from openqualify.server.observability import metrics, tracing

UNITS_OF_WORK: str = "units_of_work"
READS: str = "reads"


def observe_engine_pool(engine: AsyncEngine, pool_name: str = UNITS_OF_WORK) -> metrics.PoolMetrics | None:
    """Connections in use (the pool's checkout and checkin events), the time to get one and the timeouts (around
    the pool's `connect`), for SQLAlchemy's pool of `engine`. Nothing when metrics are off."""
    pool: Any = engine.sync_engine.pool
    overflow = getattr(pool, "_max_overflow", 0)
    size = pool.size() + max(0, overflow) if hasattr(pool, "size") else 1
    observed = metrics.pool_metrics(pool_name)
    if observed is None:
        return None
    observed.opened(size)
    event.listen(engine.sync_engine, "engine_disposed", lambda *_: observed.closed(size), once=True)
    event.listen(pool, "checkout", lambda *_: observed.checked_out())
    event.listen(pool, "checkin", lambda *_: observed.checked_in())
    connect = pool.connect

    def timed_connect() -> Any:
        started = time.perf_counter()
        try:
            return connect()
        except PoolTimeoutError:
            observed.timed_out()
            raise
        finally:
            observed.waited(time.perf_counter() - started)

    pool.connect = timed_connect  # the engine takes every connection through it (Engine.raw_connection)
    return observed


_FIRST_TABLE = re.compile(r'\bFROM\s+"?([A-Za-z_][A-Za-z0-9_]*)', re.IGNORECASE)


@lru_cache(maxsize=1024)
def _read_attributes(sql: str, system: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A compiled read's span name (`SELECT offerings`) and attributes: worked out once per statement."""
    found = _FIRST_TABLE.search(sql)
    table = found.group(1) if found else ""
    name = f"SELECT {table}" if table else "SELECT"
    attributes = [("db.system.name", system), ("db.operation.name", "SELECT"), ("db.query.text", sql)]
    if table:
        attributes.append(("db.collection.name", table))
    return name, tuple(attributes)


def read_span(tracer: Tracer | None, sql: str, system: str, kind: SpanKind) -> AbstractContextManager[Span | None]:
    """A span around one statement of the read path (`db.compiled`): CLIENT where it is the database call
    (SQLite), INTERNAL where the driver's own span is its child (psycopg's, on PostgreSQL)."""
    if tracer is None:
        return tracing.span(None, "")
    name, attributes = _read_attributes(sql, system)
    return tracing.span(tracer, name, kind=kind, attributes=dict(attributes))
