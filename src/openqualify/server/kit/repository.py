"""The base of every resource's write-path repository (`<resource>/repository.py`, class `XRepository`).

A repository holds the organisation-bound `AsyncSession` of one unit of work: every ORM statement it runs gets
`org_id = :org` from `kit.tenancy`, so no method writes the organisation filter. It adds, deletes and flushes;
it never commits (the route boundary does). It is also a `kit.reads.Reads`: `rows`, `first` and `scalar` run a
registered statement (built once, with `org_scope`, in the resource's repository module) with the session's
organisation filled in, exactly as `ReadContext` runs it on the read path. ORM entities are loaded where the
unit of work changes them; what it only reads comes through the same statements as the read path's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import Executable, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.kit.reads import AnyRow
from openqualify.server.kit.tenancy import TENANT_PARAM, bound_org

T = TypeVar("T")
R = TypeVar("R")
AnySelect: TypeAlias = Select[*tuple[Any, ...]]
"""A SELECT of any columns (SQLAlchemy 2.1's `Select` is generic in each of its columns' types)."""
S = TypeVar("S", bound=AnySelect)

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

    # --- `kit.reads.Reads`: the read path's interface, on the unit of work's session ---------------------------

    def _params(self, params: dict[str, Any]) -> dict[str, Any]:
        org_id = bound_org(self.session.sync_session)
        return params if org_id is None else {TENANT_PARAM: org_id, **params}

    async def rows(self, statement: Executable, /, **params: Any) -> Sequence[AnyRow]:
        return (await self.session.execute(statement, self._params(params))).all()

    async def first(self, statement: Executable, /, **params: Any) -> AnyRow | None:
        return (await self.session.execute(statement, self._params(params))).first()

    async def scalar(self, statement: Executable, /, **params: Any) -> Any:
        return (await self.session.execute(statement, self._params(params))).scalar()

    # --- entities from the same statements, where the unit of work changes them ---------------------------------

    async def entity(self, model: type[R], statement: AnySelect, /, **params: Any) -> R | None:
        """The entity of `model` found by a registered statement that selects `model`'s table's columns: the read
        path's statement, its row loaded as an entity (from the identity map when loaded already, unless the
        statement asks `populate_existing`, as `for_change` does: its options apply to the load)."""
        loaded = select(model).from_statement(statement).execution_options(**statement.get_execution_options())
        found: R | None = (await self.session.execute(loaded, self._params(params))).scalars().first()
        return found

    async def entity_for_change(self, model: type[R], statement: AnySelect, /, **params: Any) -> R | None:
        """`entity`, locked and read afresh as `for_change` says (F1)."""
        return await self.entity(model, await self.for_change(statement), **params)
