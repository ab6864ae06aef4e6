"""`Repository.for_change` (decision F1): a unit of work that may write locks the rows it reads to change; a read
never locks (it would wait for writers), and SQLite, whose writers run one at a time, gets no lock clause."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.engine import make_async_engine, make_sessionmaker
from openqualify.server.kit.repository import CHANGES
from openqualify.server.kit.tenancy import bind_org
from openqualify.server.memberships.repository import MembershipRepository
from openqualify.server.users.repository import UserRepository
from tests.fixtures.api import Api


def _statements(database_url: str, api: Api, *, changes: bool) -> list[str]:
    async def scenario() -> list[str]:
        engine = make_async_engine(database_url, pool_size=1)
        seen: list[str] = []

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            seen.append(statement)

        try:
            session: AsyncSession = make_sessionmaker(engine)()
            async with session:
                bind_org(session.sync_session, api.org_id)
                session.info[CHANGES] = changes
                await UserRepository(session).find_by_email("someone@example.com")
                await MembershipRepository(session).find_member("-Nothing000000000000", "someone@example.com")
                await session.rollback()
        finally:
            await engine.dispose()
        return [s for s in seen if s.lstrip().upper().startswith("SELECT")]

    return asyncio.run(scenario())


def test_a_unit_of_work_locks_what_it_reads_to_change(database_url: str, api: Api) -> None:
    user, member = _statements(database_url, api, changes=True)
    if database_url.startswith("postgresql"):
        assert user.rstrip().endswith("FOR NO KEY UPDATE")
        assert member.rstrip().endswith("FOR NO KEY UPDATE OF memberships")  # the membership, not the account
    else:
        assert "FOR " not in user and "FOR " not in member


def test_a_read_never_locks(database_url: str, api: Api) -> None:
    assert not any("FOR " in statement for statement in _statements(database_url, api, changes=False))
