"""Queries on organisation users (scoped to the bound organisation by `kit.tenancy`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select

from openqualify.server.db.bulk import insert_rows
from openqualify.server.db.models import EmailOutbox, User
from openqualify.server.kit.chunks import IN_CHUNK, chunks, pause
from openqualify.server.kit.reads import AnyRow, Reads, org_scope, registered
from openqualify.server.kit.repository import Repository


class Account(NamedTuple):
    """What bulk operations need of an account, read without building ORM entities."""

    id: str
    email: str
    email_key: str
    invite_code: str | None
    suspended: bool


def email_key(email: str) -> str:
    return email.strip().lower()


_USER_BY_KEY = registered(
    select(*User.__table__.c).where(User.email_key == bindparam("email_key"), org_scope(User))
)


async def read_user(ctx: Reads, email: str) -> AnyRow | None:
    """A user's row (its columns, as attributes)."""
    return await ctx.first(_USER_BY_KEY, email_key=email_key(email))


class UserRepository(Repository):
    async def find_by_email(self, email: str) -> User | None:
        """The account as an entity (`read_user`'s statement). In a unit of work, locked until it ends: changes of
        one account run one after the other (F1)."""
        return await self.entity_for_change(User, _USER_BY_KEY, email_key=email_key(email))

    async def find_by_emails(self, emails: Iterable[str]) -> dict[str, User]:
        """Users keyed by their lower-cased e-mail."""
        keys = {email_key(e) for e in emails}
        if not keys:
            return {}
        return {user.email_key: user for user in await self.scalars(select(User).where(User.email_key.in_(keys)))}

    async def accounts_by_email(self, emails: Iterable[str]) -> dict[str, Account]:
        """Accounts keyed by their lower-cased e-mail, in chunks that leave the event loop free between them."""
        keys = sorted({email_key(e) for e in emails})
        found: dict[str, Account] = {}
        columns = (User.id, User.email, User.email_key, User.invite_code, User.suspended)
        for part in chunks(keys, IN_CHUNK):
            rows = await self.session.execute(select(*columns).where(User.email_key.in_(part)))
            found.update((row.email_key, Account(*row)) for row in rows)
            await pause()
        return found

    async def insert_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """New accounts as plain rows (each with its `org_id`)."""
        await insert_rows(self.session, User, rows)

    async def find_by_ids(self, ids: Iterable[str]) -> dict[str, User]:
        wanted = set(ids)
        if not wanted:
            return {}
        return {user.id: user for user in await self.scalars(select(User).where(User.id.in_(wanted)))}

    async def sent_emails(self, limit: int) -> list[tuple[EmailOutbox, str]]:
        """The latest e-mails of the outbox with their recipient's address, newest first."""
        rows = await self.session.execute(
            select(EmailOutbox, User.email)
            .join(User, User.id == EmailOutbox.user_id)
            .order_by(EmailOutbox.created_at.desc(), EmailOutbox.id.desc())
            .limit(limit)
        )
        return [(email, to) for email, to in rows.all()]

    def record_email(self, email: EmailOutbox) -> None:
        self.session.add(email)
