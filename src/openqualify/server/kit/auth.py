"""Bearer-token authentication: the token selects the organisation (the `Principal`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import ApiToken, Organisation
from openqualify.server.kit.clock import OrgClock
from openqualify.server.kit.errors import AccessDeniedError, NotAuthorizedError


@dataclass(frozen=True, slots=True)
class Principal:
    """The organisation a request acts for, and the clock it runs on."""

    org_id: str
    org_name: str
    clock: OrgClock

    def now(self) -> datetime:
        return self.clock.now()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_from_header(header: str | None) -> str:
    """`Bearer <t>` (scheme case-insensitive) or a bare `<t>`."""
    if header is None or not header.strip():
        raise NotAuthorizedError("No authorization token was found.")
    parts = header.strip().split(None, 1)
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1].strip()
    if len(parts) == 1:
        return parts[0]
    raise NotAuthorizedError("Invalid authorization token.")


async def authenticate(session: AsyncSession, header: str | None) -> Principal:
    token = token_from_header(header)
    row = (
        await session.execute(
            select(Organisation)
            .join(ApiToken, ApiToken.org_id == Organisation.id)
            .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotAuthorizedError("Invalid authorization token.")
    if not row.api_enabled:
        raise AccessDeniedError("You are not allowed to access this resource")
    return Principal(
        org_id=row.id,
        org_name=row.name,
        clock=OrgClock(frozen_at=row.clock_frozen_at, offset_seconds=row.clock_offset_seconds),
    )
