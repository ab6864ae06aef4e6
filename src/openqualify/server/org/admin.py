"""Organisation administration for operators (CLI, tests, demo): create, list, rotate tokens.

Synchronous on purpose: these run before or beside the server, not inside a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from openqualify.server.db.models import ApiToken, Organisation
from openqualify.server.kit.auth import hash_token
from openqualify.server.kit.clock import system_now
from openqualify.server.kit.ids import new_token, push_id
from openqualify.server.org.repository import OrgRepository


class OrgAdminError(Exception):
    """An operator mistake (duplicate name, unknown organisation)."""


@dataclass(frozen=True, slots=True)
class OrgSummary:
    id: str
    name: str
    created_at: datetime
    active_tokens: int


def _add_token(repo: OrgRepository, org_id: str, token: str, label: str) -> None:
    repo.add(
        ApiToken(
            id=push_id(), org_id=org_id, token_hash=hash_token(token), label=label, created_at=system_now()
        )
    )


def find_org(session: Session, name: str) -> Organisation | None:
    return OrgRepository(session).by_name(name)


def create_org(
    session: Session, name: str, token: str | None = None, org_id: str | None = None
) -> tuple[Organisation, str]:
    """A new organisation and its first token (the given one, or a random one). Flushes, never commits.

    `org_id`: the id to give it when free (the demo organisation's is fixed); else a new push id."""
    if not name.strip():
        raise OrgAdminError("an organisation needs a name")
    repo = OrgRepository(session)
    if repo.by_name(name) is not None:
        raise OrgAdminError(f"an organisation named {name!r} exists already")
    token = token or new_token()
    if repo.token_in_use(token):
        raise OrgAdminError("that token is in use by another organisation")
    if org_id is None or repo.id_taken(org_id):
        org_id = push_id()
    org = Organisation(id=org_id, name=name, created_at=system_now())
    repo.add(org)
    repo.flush()
    _add_token(repo, org.id, token, "default")
    repo.flush()
    return org, token


def rotate_token(session: Session, name: str, token: str | None = None) -> str:
    """Revoke every token of the organisation and issue a new one."""
    repo = OrgRepository(session)
    org = repo.by_name(name)
    if org is None:
        raise OrgAdminError(f"no organisation named {name!r}")
    repo.revoke_tokens(org.id, system_now())
    token = token or new_token()
    _add_token(repo, org.id, token, "rotated")
    repo.flush()
    return token


def list_orgs(session: Session) -> list[OrgSummary]:
    return [
        OrgSummary(org.id, org.name, org.created_at, count)
        for org, count in OrgRepository(session).with_active_token_counts()
    ]


def token_is_active(session: Session, name: str, token: str) -> bool:
    """Whether `token` is an unrevoked token of the organisation."""
    return OrgRepository(session).token_is_active(name, token)


def ensure_token(session: Session, name: str, token: str) -> None:
    """Make `token` a valid token of the organisation (added if it is not one already)."""
    repo = OrgRepository(session)
    org = repo.by_name(name)
    if org is None:
        raise OrgAdminError(f"no organisation named {name!r}")
    existing = repo.token(token)
    if existing is None:
        _add_token(repo, org.id, token, "given")
    elif existing.org_id != org.id:
        raise OrgAdminError("that token is in use by another organisation")
    else:
        existing.revoked_at = None
    repo.flush()
