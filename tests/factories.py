"""Test data builders. Courses go through the sandbox API; offerings and members can be inserted directly
(for tests of areas that need them before or besides the offering and membership endpoints)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from openqualify.server.db.models import Membership, Offering, User
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.tenancy import admin_session
from tests.conftest import Api


def make_course(api: Api, name: str = "Workplace Safety", **fields: Any) -> dict[str, Any]:
    """A published course (version 1) via `POST /_sandbox/courses`; returns its sandbox view."""
    response = api.sandbox.post("/courses", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def publish_version(api: Api, root_content_id: str) -> dict[str, Any]:
    response = api.sandbox.post(f"/courses/{root_content_id}/versions", json={})
    assert response.status_code == 201, response.text
    return response.json()


def insert_offering(
    engine: Engine,
    api: Api,
    course: dict[str, Any],
    *,
    name: str = "Class of 2026",
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
    **columns: Any,
) -> str:
    """An offering row for `course`'s latest version, straight into the database; returns its id. It runs from a
    week before `now` (default: the current time, also its creation time) to 60 days after, unless given."""
    now = now or datetime.now(UTC)
    offering = Offering(
        id=push_id(),
        org_id=api.org_id,
        content_id=course["contentId"],
        course_id=course["rootContentId"],
        name=name,
        info=columns.pop("identifier", "") or "",
        start=start or now - timedelta(days=7),
        end=end if end is not None else now + timedelta(days=60),
        tags=[],
        created_at=now,
        **columns,
    )
    offering_id = offering.id  # read before the commit expires the instance
    with admin_session(engine) as session:
        session.add(offering)
        session.commit()
    return offering_id


def insert_member(
    engine: Engine,
    api: Api,
    offering_id: str,
    email: str,
    *,
    first_name: str = "Test",
    last_name: str = "Learner",
    facilitator: bool = False,
    marker: bool = False,
) -> str:
    """A user (created if absent) in the offering with the given role, straight into the database."""
    now = datetime.now(UTC)
    with admin_session(engine) as session:
        user = (
            session.query(User).filter(User.org_id == api.org_id, User.email_key == email.lower()).one_or_none()
        )
        if user is None:
            user = User(
                id=push_id(), org_id=api.org_id, email=email, email_key=email.lower(), first_name=first_name,
                last_name=last_name, tags=[], created_at=now, suspended=False, is_builder=False, is_manager=False,
                invite_sent_count=0,
            )
            session.add(user)
            session.flush()
        session.add(
            Membership(
                id=push_id(), org_id=api.org_id, offering_id=offering_id, user_id=user.id,
                is_facilitator=facilitator, is_marker=marker, is_readonly=False, created_at=now,
            )
        )
        user_id = user.id
        session.commit()
        return user_id
