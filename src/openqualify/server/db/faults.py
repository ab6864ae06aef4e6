"""What a database error means for the request that met it: the transaction lost a race, it waited its whole lock
timeout, the connection was lost, a statement ran past its budget, or the SQLite file is damaged. Errors arrive
wrapped by SQLAlchemy or raw from the drivers (the read path's `db.compiled` readers); both are recognised.
"""

from __future__ import annotations

import sqlite3

import psycopg
from psycopg_pool import PoolClosed, PoolTimeout, TooManyRequests
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError

# PostgreSQL: connection exceptions (class 08), and the server ending our session (admin_shutdown when a backend
# is terminated or the server stops, crash_shutdown, cannot_connect_now while it starts or stops).
_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
QUERY_CANCELED = "57014"  # statement_timeout expired (or a cancel request)
# unique_violation, foreign_key_violation (a parent deleted meanwhile), serialization_failure, deadlock_detected
RETRYABLE_SQLSTATES = frozenset({"23505", "23503", "40001", "40P01"})
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's lock_timeout expired
# SQLite's primary result codes
_SQLITE_INTERRUPT = 9
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


class DatabaseUnreachable(Exception):
    """No connection to the database could be had (the read path's pool stayed empty while it was away)."""


def _driver_error(error: BaseException) -> BaseException:
    return error.orig if isinstance(error, DBAPIError) and error.orig is not None else error


def _sqlstate(error: BaseException) -> str | None:
    sqlstate = getattr(_driver_error(error), "sqlstate", None)
    return sqlstate if isinstance(sqlstate, str) else None


def is_conflict(error: BaseException) -> bool:
    """The transaction lost a race (a unique or foreign key violation, a serialisation failure, a deadlock, an ORM
    change of a row changed meanwhile): rolled back whole, so the request may run again."""
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


def is_connection_lost(error: BaseException) -> bool:
    """The database went away under the request, or could not be reached: a restart, a failover, a terminated
    backend, a refused connection. Nothing of the request's transaction was committed by the failed statement."""
    if isinstance(error, DatabaseUnreachable):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    driver = _driver_error(error)
    if not isinstance(driver, psycopg.OperationalError):
        return False
    if isinstance(driver, PoolClosed | PoolTimeout | TooManyRequests):  # waiting for a pooled connection: contention
        return False
    sqlstate = driver.sqlstate
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in _LOST_SQLSTATES


def is_statement_timeout(error: BaseException) -> bool:
    """A statement ran past its budget (`OPENQUALIFY_STATEMENT_TIMEOUT_MS`) and the database stopped it."""
    driver = _driver_error(error)
    if isinstance(driver, sqlite3.OperationalError):
        return _sqlite_code(driver) == _SQLITE_INTERRUPT
    return _sqlstate(driver) == QUERY_CANCELED


def is_damaged_file(error: BaseException) -> bool:
    """SQLite found the database file corrupt, or not a database at all."""
    driver = _driver_error(error)
    return isinstance(driver, sqlite3.DatabaseError) and _sqlite_code(driver) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def _sqlite_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None
