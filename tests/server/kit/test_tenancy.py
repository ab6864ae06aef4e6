"""Organisation scoping applied to every ORM statement of a bound session (kit/tenancy.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from openqualify.server.db.models import User
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.tenancy import bind_org
from openqualify.server.org.admin import create_org


def _org_with_user(engine: Engine, email: str) -> str:
    with Session(engine) as session:
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
    with Session(sync_engine) as session:
        bind_org(session, mine)
        users = session.execute(select(User).where(User.email_key == "same@example.com")).scalars().all()
        assert [u.org_id for u in users] == [mine]
        session.execute(update(User).where(User.email_key == "same@example.com").values(first_name="Mine"))
        session.execute(delete(User).where(User.first_name.is_(None)))  # theirs has no first name: untouched
        session.commit()
    with Session(sync_engine) as session:
        names = dict(session.execute(select(User.org_id, User.first_name).where(User.org_id.in_([mine, theirs]))).all())
        assert names == {mine: "Mine", theirs: None}
        bind_org(session, theirs)
        assert session.execute(select(func.count()).select_from(User)).scalar_one() == 1


def test_new_rows_take_the_bound_organisation_and_refuse_another(sync_engine: Engine) -> None:
    mine = _org_with_user(sync_engine, "a@example.com")
    theirs = _org_with_user(sync_engine, "b@example.com")
    with Session(sync_engine) as session:
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
