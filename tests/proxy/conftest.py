"""The proxy tests: an empty organisation, and proxies in front of the live server (`tests.fixtures.proxy`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from tests.fixtures.live import LiveServer
from tests.fixtures.proxy import running_proxy


@pytest.fixture
def org_token(sync_engine: Engine) -> str:
    """A new, empty organisation on the live server's database."""
    with admin_session(sync_engine) as session:
        _, token = create_org(session, f"Proxy {uuid.uuid4().hex[:10]}")
        session.commit()
    return token


@pytest.fixture
def proxy_to(live_server: LiveServer) -> Callable[..., object]:
    def start(*args: str, upstream: str | None = None) -> object:
        return running_proxy(upstream or f"{live_server.base_url}/v1", *args)

    return start
