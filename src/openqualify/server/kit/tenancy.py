"""Organisation isolation in one place.

A session bound to an organisation (`bind_org`) gets, on every ORM statement it runs (SELECT, UPDATE,
DELETE, relationship loads), the criterion `org_id = :org` for every org-scoped entity involved, and new
org-scoped rows take the organisation's id at flush. A repository cannot forget the filter: it is not
written in the repositories at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import BindParameter, bindparam, event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from openqualify.server.db.base import OrgScoped

ORG_KEY = "org_id"
TENANT_PARAM = "_tenant_org_id"

# Built once: the criterion is a bound parameter whose value each execution supplies, so the option (and
# the statement's cache key) is the same for every organisation and no lambda is analysed per statement.
_TENANT_ORG: BindParameter[Any] = bindparam(TENANT_PARAM)
_TENANT_CRITERIA = with_loader_criteria(
    OrgScoped, lambda cls: cls.org_id == _TENANT_ORG, include_aliases=True, track_closure_variables=False
)


def bind_org(session: Session, org_id: str) -> None:
    session.info[ORG_KEY] = org_id


def bound_org(session: Session) -> str | None:
    return session.info.get(ORG_KEY)


@event.listens_for(Session, "do_orm_execute")
def _scope_statements(state: ORMExecuteState) -> None:
    org_id = state.session.info.get(ORG_KEY)
    if org_id is None or state.execution_options.get("skip_org_scope"):
        return
    if state.is_select or state.is_update or state.is_delete:
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
