"""Organisation scoping applied to every ORM statement of a bound session, refused on an unbound one unless it
is marked unscoped (kit/tenancy.py)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from openqualify.server.db.engine import make_async_engine, make_sessionmaker
from openqualify.server.db.models import Organisation, User
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.tenancy import UnscopedSessionError, admin_session, bind_org, unscoped
from openqualify.server.org.admin import create_org


def _org_with_user(engine: Engine, email: str) -> str:
    with admin_session(engine) as session:
        org, _ = create_org(session, f"Tenancy {uuid.uuid4().hex[:8]}")
        session.add(
            User(
                id=push_id(), org_id=org.id, email=email, email_key=email, tags=[], created_at=datetime.now(UTC),
                suspended=False, is_builder=False, is_manager=False, invite_sent_count=0,
            )
        )
        session.commit()
        return org.id


def test_select_update_delete_only_touch_the_bound_organisation(sync_engine: Engine) -> None:
    mine = _org_with_user(sync_engine, "same@example.com")
    theirs = _org_with_user(sync_engine, "same@example.com")
    with admin_session(sync_engine) as session:
        bind_org(session, mine)
        users = session.execute(select(User).where(User.email_key == "same@example.com")).scalars().all()
        assert [u.org_id for u in users] == [mine]
        session.execute(update(User).where(User.email_key == "same@example.com").values(first_name="Mine"))
        session.execute(delete(User).where(User.first_name.is_(None)))  # theirs has no first name: untouched
        session.commit()
    with admin_session(sync_engine) as session:
        names = dict(session.execute(select(User.org_id, User.first_name).where(User.org_id.in_([mine, theirs]))).all())
        assert names == {mine: "Mine", theirs: None}
        bind_org(session, theirs)
        assert session.execute(select(func.count()).select_from(User)).scalar_one() == 1


def test_new_rows_take_the_bound_organisation_and_refuse_another(sync_engine: Engine) -> None:
    mine = _org_with_user(sync_engine, "a@example.com")
    theirs = _org_with_user(sync_engine, "b@example.com")
    with admin_session(sync_engine) as session:
        bind_org(session, mine)
        user = User(
            id=push_id(), email="c@example.com", email_key="c@example.com", tags=[], created_at=datetime.now(UTC),
            suspended=False, is_builder=False, is_manager=False, invite_sent_count=0,
        )
        session.add(user)
        session.flush()
        assert user.org_id == mine
        session.add(
            User(
                id=push_id(), org_id=theirs, email="d@example.com", email_key="d@example.com", tags=[],
                created_at=datetime.now(UTC), suspended=False, is_builder=False, is_manager=False,
                invite_sent_count=0,
            )
        )
        with pytest.raises(RuntimeError, match="another organisation"):
            session.flush()


def test_an_unbound_session_refuses_org_scoped_statements(sync_engine: Engine) -> None:
    mine = _org_with_user(sync_engine, "unbound@example.com")
    statements = (
        select(User).where(User.email_key == "unbound@example.com"),
        select(User.org_id),
        select(func.count()).select_from(User),
        update(User).where(User.email_key == "unbound@example.com").values(first_name="Nobody"),
        delete(User).where(User.email_key == "unbound@example.com"),
    )
    with Session(sync_engine) as session:
        for statement in statements:
            with pytest.raises(UnscopedSessionError, match="bound to no organisation"):
                session.execute(statement)
        with pytest.raises(UnscopedSessionError):
            session.get(User, "any-id")
        # Tables that belong to no organisation stay readable, and a statement may opt out on purpose.
        assert session.get(Organisation, mine) is not None
        opted_out = select(func.count()).select_from(User).execution_options(skip_org_scope=True)
        assert session.execute(opted_out.where(User.org_id == mine)).scalar_one() == 1
    with admin_session(sync_engine) as session:
        assert session.execute(select(User.first_name).where(User.org_id == mine)).scalars().all() == [None]


def test_a_session_marked_unscoped_spans_organisations(sync_engine: Engine) -> None:
    mine = _org_with_user(sync_engine, "spans@example.com")
    theirs = _org_with_user(sync_engine, "spans@example.com")
    with unscoped(Session(sync_engine)) as session:
        query = select(User.org_id).where(User.email_key == "spans@example.com", User.org_id.in_([mine, theirs]))
        assert sorted(session.execute(query).scalars()) == sorted([mine, theirs])
        session.execute(update(User).where(User.org_id.in_([mine, theirs])).values(first_name="Both"))
        session.commit()
    with admin_session(sync_engine) as session:
        names = session.execute(select(User.first_name).where(User.org_id.in_([mine, theirs]))).scalars().all()
        assert names == ["Both", "Both"]
        session.execute(delete(User).where(User.org_id == theirs))
        session.commit()
        assert session.execute(select(User.org_id).where(User.org_id.in_([mine, theirs]))).scalars().all() == [mine]


def test_unscoped_marks_an_async_session_too(database_url: str) -> None:
    async def main() -> None:
        engine = make_async_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                with pytest.raises(UnscopedSessionError):
                    await session.execute(select(User.id).limit(1))
            async with unscoped(make_sessionmaker(engine)()) as session:
                await session.execute(select(User.id).limit(1))
        finally:
            await engine.dispose()

    asyncio.run(main())
