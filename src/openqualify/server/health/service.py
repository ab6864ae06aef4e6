"""Liveness and readiness: is the process up; does its database answer, at the schema this code expects."""

from __future__ import annotations

from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from openqualify.server.db.faults import is_connection_lost
from openqualify.server.db.migrate import alembic_config


@cache
def expected_revision() -> str | None:
    """The head of the migrations shipped with this code."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def readiness(engine: AsyncEngine, damaged: str | None = None) -> tuple[bool, dict[str, str]]:
    """(ready, checks): the database answers and is migrated to this code's head, and no request found the SQLite
    file damaged (`damaged`: SQLite's words, decision F4)."""
    if damaged is not None:
        return False, {"database": f"damaged: {damaged}"}
    try:
        revisions = await _revisions(engine)
    except Exception as error:  # any failure to reach or read the database means "not ready"
        return False, {"database": f"unavailable: {type(error).__name__}"}
    head = expected_revision()
    if head not in revisions:
        found = ", ".join(sorted(revisions)) or "none"
        return False, {"database": "ok", "migrations": f"at {found}, expected {head}"}
    return True, {"database": "ok", "migrations": "ok"}


async def _revisions(engine: AsyncEngine) -> set[str]:
    """The migration revisions the database is at. A pooled connection that broke (the server restarted) is
    replaced once: the database is asked again on a fresh one rather than reported away."""
    try:
        return await _read_revisions(engine)
    except Exception as error:
        if not is_connection_lost(error):
            raise
    return await _read_revisions(engine)


async def _read_revisions(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
        return {row[0] for row in rows}
