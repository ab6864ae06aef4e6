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


class Repository:
    """Queries and writes of one resource inside a unit of work."""

    __slots__ = ("session",)

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
