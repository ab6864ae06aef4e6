"""Organisation administration for operators (CLI, tests, demo): create, list, rotate tokens.

Synchronous on purpose: these run before or beside the server, not inside a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from openqualify.server.db.models import ApiToken, Organisation
from openqualify.server.kit.auth import hash_token
from openqualify.server.kit.clock import system_now
from openqualify.server.kit.ids import new_token, push_id


class OrgAdminError(Exception):
    """An operator mistake (duplicate name, unknown organisation)."""


@dataclass(frozen=True, slots=True)
class OrgSummary:
    id: str
    name: str
    created_at: datetime
    active_tokens: int


def _add_token(session: Session, org_id: str, token: str, label: str) -> None:
    session.add(
        ApiToken(
            id=push_id(), org_id=org_id, token_hash=hash_token(token), label=label, created_at=system_now()
        )
    )


def find_org(session: Session, name: str) -> Organisation | None:
    return session.execute(select(Organisation).where(Organisation.name == name)).scalar_one_or_none()


def create_org(
    session: Session, name: str, token: str | None = None, org_id: str | None = None
) -> tuple[Organisation, str]:
    """A new organisation and its first token (the given one, or a random one). Flushes, never commits.

    `org_id`: the id to give it when free (the demo organisation's is fixed); else a new push id."""
    if not name.strip():
        raise OrgAdminError("an organisation needs a name")
    if find_org(session, name) is not None:
        raise OrgAdminError(f"an organisation named {name!r} exists already")
    token = token or new_token()
    taken = session.execute(select(ApiToken.id).where(ApiToken.token_hash == hash_token(token))).first()
    if taken is not None:
        raise OrgAdminError("that token is in use by another organisation")
    if org_id is None or session.get(Organisation, org_id) is not None:
        org_id = push_id()
    org = Organisation(id=org_id, name=name, created_at=system_now())
    session.add(org)
    session.flush()
    _add_token(session, org.id, token, "default")
    session.flush()
    return org, token


def rotate_token(session: Session, name: str, token: str | None = None) -> str:
    """Revoke every token of the organisation and issue a new one."""
    org = find_org(session, name)
    if org is None:
        raise OrgAdminError(f"no organisation named {name!r}")
    session.execute(
        update(ApiToken)
        .where(ApiToken.org_id == org.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=system_now())
    )
    token = token or new_token()
    _add_token(session, org.id, token, "rotated")
    session.flush()
    return token


def list_orgs(session: Session) -> list[OrgSummary]:
    active = (
        select(ApiToken.org_id, func.count().label("n"))
        .where(ApiToken.revoked_at.is_(None))
        .group_by(ApiToken.org_id)
        .subquery()
    )
    rows = session.execute(
        select(Organisation, func.coalesce(active.c.n, 0))
        .outerjoin(active, active.c.org_id == Organisation.id)
        .order_by(Organisation.created_at)
    ).all()
    return [OrgSummary(org.id, org.name, org.created_at, count) for org, count in rows]


def token_is_active(session: Session, name: str, token: str) -> bool:
    """Whether `token` is an unrevoked token of the organisation."""
    found = session.execute(
        select(ApiToken.id)
        .join(Organisation, Organisation.id == ApiToken.org_id)
        .where(Organisation.name == name, ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    ).first()
    return found is not None


def ensure_token(session: Session, name: str, token: str) -> None:
    """Make `token` a valid token of the organisation (added if it is not one already)."""
    org = find_org(session, name)
    if org is None:
        raise OrgAdminError(f"no organisation named {name!r}")
    existing = session.execute(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).scalar_one_or_none()
    if existing is None:
        _add_token(session, org.id, token, "given")
    elif existing.org_id != org.id:
        raise OrgAdminError("that token is in use by another organisation")
    else:
        existing.revoked_at = None
    session.flush()
