"""Queries on organisations and their API tokens, for the operators' synchronous tools (`org.admin`).

Not organisation-bound: these statements look across organisations (names, token hashes), so they run on a
plain synchronous `Session` rather than on `kit.repository.Repository`'s organisation-bound one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from openqualify.server.db.models import ApiToken, Organisation
from openqualify.server.kit.auth import hash_token


class OrgRepository:
    __slots__ = ("session",)

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Organisation | ApiToken) -> None:
        self.session.add(row)

    def flush(self) -> None:
        self.session.flush()

    def by_name(self, name: str) -> Organisation | None:
        return self.session.execute(select(Organisation).where(Organisation.name == name)).scalar_one_or_none()

    def id_taken(self, org_id: str) -> bool:
        return self.session.get(Organisation, org_id) is not None

    def token(self, token: str) -> ApiToken | None:
        """The token row with this token's hash, in any organisation, revoked or not."""
        return self.session.execute(
            select(ApiToken).where(ApiToken.token_hash == hash_token(token))
        ).scalar_one_or_none()

    def token_in_use(self, token: str) -> bool:
        found = self.session.execute(select(ApiToken.id).where(ApiToken.token_hash == hash_token(token))).first()
        return found is not None

    def revoke_tokens(self, org_id: str, at: datetime) -> None:
        """Revoke every active token of the organisation."""
        self.session.execute(
            update(ApiToken).where(ApiToken.org_id == org_id, ApiToken.revoked_at.is_(None)).values(revoked_at=at)
        )

    def with_active_token_counts(self) -> list[tuple[Organisation, int]]:
        """Every organisation with its number of unrevoked tokens, oldest first."""
        active = (
            select(ApiToken.org_id, func.count().label("n"))
            .where(ApiToken.revoked_at.is_(None))
            .group_by(ApiToken.org_id)
            .subquery()
        )
        rows = self.session.execute(
            select(Organisation, func.coalesce(active.c.n, 0))
            .outerjoin(active, active.c.org_id == Organisation.id)
            .order_by(Organisation.created_at)
        ).all()
        return [(org, count) for org, count in rows]

    def token_is_active(self, name: str, token: str) -> bool:
        """Whether `token` is an unrevoked token of the organisation named `name`."""
        found = self.session.execute(
            select(ApiToken.id)
            .join(Organisation, Organisation.id == ApiToken.org_id)
            .where(Organisation.name == name, ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
        ).first()
        return found is not None
