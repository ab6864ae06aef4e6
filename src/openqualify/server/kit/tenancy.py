"""Organisation isolation in one place.

A session bound to an organisation (`bind_org`) gets, on every ORM statement it runs (SELECT, UPDATE,
DELETE, relationship loads), the criterion `org_id = :org` for every org-scoped entity involved, and new
org-scoped rows take the organisation's id at flush. A repository cannot forget the filter: it is not
written in the repositories at all.

A session bound to no organisation refuses those statements (`UnscopedSessionError`): forgetting `bind_org`
fails loudly instead of reading or changing every organisation's rows. Code that works across organisations
on purpose (the CLI's admin commands, organisation creation, the demo, database maintenance, tests) says so
with `unscoped(session)`; a single statement may opt out with the execution option `skip_org_scope=True`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import BindParameter, Connection, Engine, Executable, TableClause, bindparam, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.visitors import iterate

from openqualify.server.db.base import Base, OrgScoped

ORG_KEY = "org_id"
UNSCOPED_KEY = "unscoped"
TENANT_PARAM = "_tenant_org_id"

# Built once: the criterion is a bound parameter whose value each execution supplies, so the option (and
# the statement's cache key) is the same for every organisation and no lambda is analysed per statement.
_TENANT_ORG: BindParameter[Any] = bindparam(TENANT_PARAM)
_TENANT_CRITERIA = with_loader_criteria(
    OrgScoped, lambda cls: cls.org_id == _TENANT_ORG, include_aliases=True, track_closure_variables=False
)


class UnscopedSessionError(RuntimeError):
    """A programming error: an org-scoped statement on a session bound to no organisation and not marked
    `unscoped`. Bind the session (`bind_org`) or, for code that spans organisations on purpose, mark it."""


def bind_org(session: Session, org_id: str) -> None:
    session.info[ORG_KEY] = org_id


def bound_org(session: Session) -> str | None:
    return session.info.get(ORG_KEY)


_S = TypeVar("_S", Session, AsyncSession)


def unscoped(session: _S) -> _S:
    """Mark a session as spanning organisations on purpose: with no organisation bound, its statements run
    unfiltered instead of being refused. For admin commands, organisation creation, the demo and tests."""
    target = session.sync_session if isinstance(session, AsyncSession) else session
    target.info[UNSCOPED_KEY] = True
    return session


def admin_session(bind: Engine | Connection, **kwargs: Any) -> Session:
    """A synchronous session marked `unscoped`: for code outside requests that spans organisations."""
    return unscoped(Session(bind, **kwargs))


@cache
def _org_scoped_tables() -> frozenset[str]:
    return frozenset(
        table.name
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, OrgScoped)
        for table in mapper.tables
    )


def _touches_org_scoped(statement: Executable) -> bool:
    """Whether any org-scoped table stands anywhere in the statement (entities, `select_from`, subqueries)."""
    tables = _org_scoped_tables()
    elements = iterate(cast(ClauseElement, statement))
    return any(isinstance(element, TableClause) and element.name in tables for element in elements)


@event.listens_for(Session, "do_orm_execute")
def _scope_statements(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete) or state.execution_options.get("skip_org_scope"):
        return
    org_id = state.session.info.get(ORG_KEY)
    if org_id is None:
        if not state.session.info.get(UNSCOPED_KEY) and _touches_org_scoped(state.statement):
            raise UnscopedSessionError(
                "org-scoped statement on a session bound to no organisation: call bind_org(session, org_id), "
                "or unscoped(session) where spanning organisations is intended"
            )
        return
    state.statement = state.statement.options(_TENANT_CRITERIA)
    if isinstance(state.parameters, list):
        state.parameters = [{**p, TENANT_PARAM: org_id} for p in state.parameters]
    else:
        state.parameters = {**cast(Mapping[str, Any], state.parameters or {}), TENANT_PARAM: org_id}


@event.listens_for(Session, "before_flush")
def _stamp_new_rows(session: Session, _context: Any, _instances: Any) -> None:
    org_id = session.info.get(ORG_KEY)
    if org_id is None:
        return
    for obj in session.new:
        if isinstance(obj, OrgScoped):
            if getattr(obj, "org_id", None) is None:
                obj.org_id = org_id
            elif obj.org_id != org_id:
                raise RuntimeError("refusing to write a row of another organisation")
