"""Fixtures for the reliability tests: a dedicated server process per module and organisations to load it with."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org

TIMEOUT = httpx.Timeout(60.0)


@dataclass
class Org:
    base_url: str
    token: str

    def client(self, prefix: str = "/v1") -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url + prefix, headers={"Authorization": f"Bearer {self.token}"}, timeout=TIMEOUT
        )


def new_token(sync_engine: Engine) -> str:
    with admin_session(sync_engine) as session:
        _, token = create_org(session, f"Reliability {uuid.uuid4().hex[:10]}")
        session.commit()
    return token


def checked(response: httpx.Response, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200, 201)), f"{response.request.method} {response.request.url}: " \
        f"{response.status_code} {response.text}"
    return response.json() if response.content else None


def make_offering(org: Org, name: str = "Load test class") -> str:
    """A course (sandbox) and a current offering of it; returns the offering id."""
    with org.client("/_sandbox") as sandbox:
        course = checked(sandbox.post("/courses", json={"name": f"{name} course"}), 201)
    with org.client() as api:
        offering = checked(
            api.post(
                "/offerings",
                json={"name": name, "contentId": course["contentId"], "start": "2020-01-01T00:00:00Z"},
            ),
            201,
        )
    return str(offering["id"])


@pytest.fixture
def org_factory(sync_engine: Engine) -> Iterator[Any]:
    def make(base_url: str) -> Org:
        return Org(base_url, new_token(sync_engine))

    yield make
