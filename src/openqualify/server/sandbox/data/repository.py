"""Statements over every table of an organisation (reset, counts, export, import): the one place that reads and
writes the organisation's data table by table rather than entity by entity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Row, Table, delete, func, select

from openqualify.server.db.base import Base
from openqualify.server.db.models import Course, Organisation, User
from openqualify.server.event_hub.models import HUB_TABLES
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
        """Delete all of the organisation's data (children first): rows deleted per table."""
        deleted: dict[str, int] = {}
        for table in reversed(org_tables()):
            result = await self.session.execute(delete(table).where(table.c.org_id == org_id))
            if result.rowcount:
                deleted[table.name] = result.rowcount
        return deleted

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

    async def table_rows(self, table: Table, org_id: str) -> Sequence[Row[Any]]:
        return (await self.session.execute(select(table).where(table.c.org_id == org_id))).all()

    async def first_taken(self, key: Column[Any], ids: list[Any]) -> Any:
        """One of these primary-key values already present in the table (any organisation's), or None."""
        for start in range(0, len(ids), BATCH):
            taken = (
                await self.session.execute(select(key).where(key.in_(ids[start : start + BATCH])).limit(1))
            ).scalar_one_or_none()
            if taken is not None:
                return taken
        return None

    async def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Plain rows, in batches."""
        for start in range(0, len(rows), BATCH):
            await self.session.execute(table.insert(), rows[start : start + BATCH])
