"""Statements over every table of an organisation (reset, counts, export, import): the one place that reads and
writes the organisation's data table by table rather than entity by entity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Column, CursorResult, Table, delete, func, select, tuple_

from openqualify.server.db.base import Base
from openqualify.server.db.bulk import insert_table_rows
from openqualify.server.db.models import Course, Organisation, User
from openqualify.server.event_hub.models import HUB_TABLES
from openqualify.server.kit.chunks import CHUNK, pause
from openqualify.server.kit.reads import AnyRow
from openqualify.server.kit.repository import Repository

# Credentials never leave the database; the organisation row itself is the importing organisation; the Event
# hub's settings (with their signing secret) and log stay as they are, like tokens.
NOT_EXPORTED = frozenset({"organisations", "api_tokens"}) | HUB_TABLES
BATCH = 1_000


def org_tables() -> list[Table]:
    """Every table holding organisation data, parents before children."""
    return [t for t in Base.metadata.sorted_tables if "org_id" in t.c and t.name not in NOT_EXPORTED]


class OrgDataRepository(Repository):
    async def organisation(self, org_id: str) -> Organisation:
        org = await self.by_key(Organisation, org_id)
        assert org is not None
        return org

    async def delete_all(self, org_id: str) -> dict[str, int]:
        """Delete all of the organisation's data, children first, `CHUNK` rows per statement with a pause between
        statements (`kit.chunks`): on SQLite statements run on the event loop, so other requests are served
        between chunks. One transaction: the caller commits or rolls back the whole.

        Answers the rows the organisation had per table, counted before deleting: a statement's row count leaves
        out rows that a foreign key's ON DELETE CASCADE removed with their parent (replies with the comment they
        answer), so the sum of row counts would be short (issue 18: 822 comments of 1,470)."""
        had = await self.counts(org_id)
        for table in reversed(org_tables()):
            if table.name not in had:
                continue
            key = list(table.primary_key.columns)
            chunk = select(*key).where(table.c.org_id == org_id).limit(CHUNK)
            doomed = key[0].in_(chunk) if len(key) == 1 else tuple_(*key).in_(chunk)
            while cast(CursorResult[Any], await self.session.execute(delete(table).where(doomed))).rowcount:
                await pause()
        return had

    async def has_data(self) -> bool:
        """Whether the organisation has users or courses."""
        return bool(
            (await self.session.execute(select(func.count()).select_from(User))).scalar_one()
            or (await self.session.execute(select(func.count()).select_from(Course))).scalar_one()
        )

    async def counts(self, org_id: str) -> dict[str, int]:
        """Rows per table (tables with rows only)."""
        counts: dict[str, int] = {}
        for table in org_tables():
            statement = select(func.count()).select_from(table).where(table.c.org_id == org_id)
            n = (await self.session.execute(statement)).scalar_one()
            if n:
                counts[table.name] = n
        return counts

    async def table_rows(self, table: Table, org_id: str) -> Sequence[AnyRow]:
        return (await self.session.execute(select(table).where(table.c.org_id == org_id))).all()

    async def first_taken(self, key: Column[Any], ids: list[Any]) -> Any:
        """One of these primary-key values already present in the table (any organisation's), or None."""
        for start in range(0, len(ids), BATCH):
            taken = (
                await self.session.execute(select(key).where(key.in_(ids[start : start + BATCH])).limit(1))
            ).scalar_one_or_none()
            if taken is not None:
                return taken
            await pause()
        return None

    async def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Complete rows (every one with the same keys), in chunks with pauses; PostgreSQL gets them by COPY."""
        await insert_table_rows(self.session, table, rows)
