"""Liveness and readiness: is the process up; does its database answer, at the schema this code expects."""

from __future__ import annotations

from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from openqualify.server.db.migrate import alembic_config


@cache
def expected_revision() -> str | None:
    """The head of the migrations shipped with this code."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def readiness(engine: AsyncEngine) -> tuple[bool, dict[str, str]]:
    """(ready, checks): the database answers and is migrated to this code's head."""
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            revisions = {row[0] for row in rows}
    except Exception as error:  # any failure to reach or read the database means "not ready"
        return False, {"database": f"unavailable: {type(error).__name__}"}
    head = expected_revision()
    if head not in revisions:
        found = ", ".join(sorted(revisions)) or "none"
        return False, {"database": "ok", "migrations": f"at {found}, expected {head}"}
    return True, {"database": "ok", "migrations": "ok"}
