"""Queries on organisation users (scoped to the bound organisation by `kit.tenancy`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import EmailOutbox, User


def email_key(email: str) -> str:
    return email.strip().lower()


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_email(self, email: str) -> User | None:
        return (
            await self.session.execute(select(User).where(User.email_key == email_key(email)))
        ).scalar_one_or_none()

    async def by_emails(self, emails: Iterable[str]) -> dict[str, User]:
        """Users keyed by their lower-cased e-mail."""
        keys = {email_key(e) for e in emails}
        if not keys:
            return {}
        rows = (await self.session.execute(select(User).where(User.email_key.in_(keys)))).scalars()
        return {user.email_key: user for user in rows}

    async def by_ids(self, ids: Iterable[str]) -> dict[str, User]:
        wanted = set(ids)
        if not wanted:
            return {}
        rows = (await self.session.execute(select(User).where(User.id.in_(wanted)))).scalars()
        return {user.id: user for user in rows}

    def add(self, user: User) -> None:
        self.session.add(user)

    def record_email(self, email: EmailOutbox) -> None:
        self.session.add(email)
