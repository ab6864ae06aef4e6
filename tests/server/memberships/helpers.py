"""Setup shared by the membership tests: an offering (straight into the DB) and members via the public API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from tests.conftest import Api
from tests.factories import insert_offering, make_course


def offering(
    api: Api, engine: Engine, course: dict[str, Any] | None = None, *, name: str = "Class", days: int = 0
) -> str:
    """An offering row whose week-before-to-60-days-after window is shifted `days` from now."""
    starts = datetime.now(UTC) + timedelta(days=days)
    window = {"start": starts - timedelta(days=7), "end": starts + timedelta(days=60)}
    return insert_offering(engine, api, course or make_course(api), name=name, **window)


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
