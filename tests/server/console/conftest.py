"""A demo organisation for the console's tests, built once per module with its clock frozen at `NOW`
(`tests.fixtures.console`)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from openqualify.server.sandbox.demo import build_demo
from tests.fixtures.api import Api
from tests.fixtures.console import NOW


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
