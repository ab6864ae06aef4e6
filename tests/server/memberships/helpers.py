"""Setup shared by the membership tests: an offering (straight into the DB) and members via the public API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from openqualify.server.db.models import Offering
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.tenancy import admin_session
from tests.conftest import Api
from tests.factories import make_course


def offering(
    api: Api, engine: Engine, course: dict[str, Any] | None = None, *, name: str = "Class", days: int = 0
) -> str:
    """An offering row starting `days` from now (as `tests.factories.insert_offering`, which reads the id of an
    expired instance after its session closed and fails)."""
    course = course or make_course(api)
    now = datetime.now(UTC)
    offering_id = push_id()
    with admin_session(engine) as session:
        session.add(
            Offering(
                id=offering_id, org_id=api.org_id, content_id=course["contentId"], course_id=course["rootContentId"],
                name=name, info="", start=now + timedelta(days=days - 7), end=now + timedelta(days=days + 60),
                tags=[], created_at=now,
            )
        )
        session.commit()
    return offering_id


def person(email: str, **fields: Any) -> dict[str, Any]:
    first, _, _ = email.partition("@")
    return {"email": email, "firstName": first.capitalize(), "lastName": "Tester", **fields}


def add(api: Api, offering_id: str, *people: dict[str, Any]) -> list[dict[str, Any]]:
    response = api.post(f"/offerings/{offering_id}/users", json=list(people))
    assert response.status_code == 201, response.text
    return response.json()


def members(api: Api, offering_id: str, **query: str) -> dict[str, dict[str, Any]]:
    response = api.get(f"/offerings/{offering_id}/users", params=query)
    assert response.status_code == 200, response.text
    return {m["email"]: m for m in response.json()}


def emails(api: Api) -> list[dict[str, Any]]:
    response = api.sandbox.get("/emails", params={"limit": 1000})
    assert response.status_code == 200, response.text
    return response.json()
