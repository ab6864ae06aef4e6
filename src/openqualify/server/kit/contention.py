"""Requests that contend for the same data: lost races run again, long lock waits answer 503.

Lost races answer what the request would have got had it run second: the unit of work is run again.

Two requests that create the same thing at once (the same e-mail, the same member of an offering) both pass
their "does it exist?" check on PostgreSQL's READ COMMITTED; one insert then fails on the unique index. The
loser's transaction is rolled back whole (nothing of it persisted), so running the request again is safe: the
second run sees the winner's row and answers the contract's error (`ObjectExistsError`, a 207 item) or
succeeds where the winner's row does not matter. Deadlocks and serialisation failures are retried the same way.

`ReplayOnConflictMiddleware` keeps a write request's body (already capped by `kit.limits`) so it can
dispatch the request again when the unit of work raises `UnitOfWorkConflict` before any response was sent.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openqualify.server.kit.asgi import read_body, replay_body

logger = logging.getLogger("openqualify")

MAX_ATTEMPTS = 4
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# unique_violation, foreign_key_violation (a parent deleted meanwhile), serialization_failure, deadlock_detected
RETRYABLE_SQLSTATES = frozenset({"23505", "23503", "40001", "40P01"})
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's lock_timeout expired


class UnitOfWorkConflict(Exception):
    """The request's transaction lost a race and was rolled back; it may run again."""


def _sqlstate(error: BaseException) -> str | None:
    """PostgreSQL's error code, from SQLAlchemy's wrapper or from psycopg itself (e.g. raised by COPY)."""
    driver_error = error.orig if isinstance(error, DBAPIError) else error
    sqlstate = getattr(driver_error, "sqlstate", None)
    return sqlstate if isinstance(sqlstate, str) else None


def is_conflict(error: BaseException) -> bool:
    if isinstance(error, StaleDataError):  # an UPDATE or DELETE of a row another request changed first
        return True
    sqlstate = _sqlstate(error)
    if sqlstate is not None:
        return sqlstate in RETRYABLE_SQLSTATES
    # SQLite serialises writers, so a constraint failure there is not a race; it is retried anyway (harmless).
    return isinstance(error, IntegrityError)


def is_lock_timeout(error: BaseException) -> bool:
    """The request waited its whole lock timeout for another writer (or for a pooled connection)."""
    if isinstance(error, PoolTimeoutError) or _sqlstate(error) == LOCK_NOT_AVAILABLE:
        return True
    return isinstance(error, DBAPIError) and isinstance(error.orig, sqlite3.OperationalError) and (
        "locked" in str(error.orig)
    )


class ReplayOnConflictMiddleware:
    def __init__(self, app: ASGIApp, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.app = app
        self.max_attempts = max_attempts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _READ_METHODS:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:  # the client went away before its request arrived whole: nothing to run
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        for attempt in range(1, self.max_attempts + 1):
            try:
                await self.app(scope, replay_body(body, receive), tracking_send)
                return
            except UnitOfWorkConflict as conflict:
                if started or attempt == self.max_attempts:
                    raise (conflict.__cause__ or conflict) from None
                logger.info("unit of work lost a race, running it again (attempt %d)", attempt + 1)
                await asyncio.sleep(random.uniform(0, 0.005 * attempt))  # let the winner commit first
