"""A demo organisation for the console's tests, built once per module with its clock frozen, and a way to run a
console view in the application's own event loop (the one its engine belongs to)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.requests import Request

from openqualify.server.kit.reads import ReadContext, open_context
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from openqualify.server.sandbox.demo import build_demo
from tests.conftest import Api

T = TypeVar("T")
NOW = datetime(2026, 3, 10, 14, 37, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(http: TestClient, sync_engine: Engine) -> Api:
    """The demo organisation, built for `NOW`, its clock frozen at `NOW` (read-only: tests must not change it)."""
    with admin_session(sync_engine) as session:
        org, token = create_org(session, f"Console demo {uuid.uuid4().hex[:10]}")
        org_id = org.id
        build_demo(session, org_id, NOW)
        session.commit()
    api = Api(http, token, org_id)
    assert api.sandbox.put("/clock", json={"now": "2026-03-10T14:37:00Z"}).status_code == 200
    return api


def run_view(http: TestClient, api: Api, build: Callable[[ReadContext], Awaitable[T]]) -> T:
    """Build a view's data as a console request of `api`'s organisation would (same authentication and scope)."""

    async def run() -> T:
        scope: dict[str, Any] = {
            "type": "http",
            "app": http.app,
            "method": "GET",
            "path": "/console/f/test",
            "headers": [(b"authorization", f"Bearer {api.token}".encode())],
            "query_string": b"",
            "path_params": {},
        }
        ctx = await open_context(Request(scope))
        try:
            return await build(ctx)
        finally:
            await ctx.close()

    assert http.portal is not None
    return http.portal.call(run)
