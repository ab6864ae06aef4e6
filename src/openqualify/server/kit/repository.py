"""The base of every resource's write-path repository (`<resource>/repository.py`, class `XRepository`).

A repository holds the organisation-bound `AsyncSession` of one unit of work: every ORM statement it runs gets
`org_id = :org` from `kit.tenancy`, so no method writes the organisation filter. It adds, deletes and flushes;
it never commits (the route boundary does). The read path's statements (`kit.reads`) live in the same module,
below the class, as module-level `read_*` functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Executable, Row, Select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S", bound=Select[Any])

CHANGES = "changes"
"""`session.info` key: the session is the unit of work of a request that may write (`kit.deps`)."""


class Repository:
    """Queries and writes of one resource inside a unit of work."""

    __slots__ = ("session",)

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_change(self, statement: S, *of: Any) -> S:
        """The statement as a unit of work that may change what it finds must run it: the rows it selects (of the
        entities `of`, else of every table in it) are locked until the unit of work ends, and read afresh.

        On PostgreSQL `FOR NO KEY UPDATE` (which leaves foreign-key checks of other writers free): a concurrent
        change of the same rows waits for this one to commit, then reads them again, finding them changed or gone,
        and answers as if it had run second (decision F1). Without it, two requests of READ COMMITTED both pass
        their checks on the same old row. SQLite needs nothing (its writers run one at a time: SQLAlchemy renders
        no lock there). On a read session (no `CHANGES`) the statement is left as it is: reads never wait.
        """
        if not self.session.info.get(CHANGES):
            return statement
        await self.session.flush()  # pending changes first: the rows read afresh then include them
        return statement.with_for_update(of=list(of) or None, key_share=True).execution_options(
            populate_existing=True
        )

    def add(self, row: object) -> None:
        self.session.add(row)

    def add_all(self, rows: Iterable[object]) -> None:
        self.session.add_all(list(rows))

    async def store(self, row: R) -> R:
        """Add a new row and flush it (its defaults and foreign keys are then checked), and give it back."""
        self.session.add(row)
        await self.session.flush()
        return row

    async def delete(self, row: object) -> None:
        await self.session.delete(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def execute(self, statement: Executable) -> None:
        """A statement run for its effect (a bulk UPDATE or DELETE)."""
        await self.session.execute(statement)

    async def by_key(self, model: type[R], key: Any) -> R | None:
        """The entity with this primary key (from the session's identity map when loaded already)."""
        return await self.session.get(model, key)

    async def one_or_none(self, statement: Select[T], params: Mapping[str, Any] | None = None) -> T | None:
        """The single entity or value the statement selects, or None."""
        return (await self.session.execute(statement, params)).scalar_one_or_none()

    async def scalars(self, statement: Select[T]) -> list[T]:
        """The first column of every row (entities, for a `select(Model)`)."""
        return list((await self.session.execute(statement)).scalars())

    async def rows(self, statement: Executable) -> Sequence[Row[Any]]:
        return (await self.session.execute(statement)).all()
