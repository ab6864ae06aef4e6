"""The SDK against the real server: `openqualify serve --demo` as a process, spoken to over HTTP.

Each scenario gets a brand-new organisation, created straight in the run's database (the server process uses
the same one), with its sandbox clock frozen at `NOW`, so every date-dependent answer is deterministic.
Its data is built through the sandbox control plane (`/_sandbox`, plain httpx) and read and changed through
the SDK. Every SDK request goes through a recording transport: `test_coverage.py` (run last) checks that the
requests of this folder's tests together reached every one of the contract's 84 operations.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from openqualify.client import Client
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from tests.fixtures.client_live import (
    API_PREFIX,
    COVERAGE_MODULE,
    LOG,
    NO_RETRY,
    NOW,
    OperationLog,
    Org,
    RecordingTransport,
    Sandbox,
)
from tests.fixtures.live import LiveServer


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the coverage check after every other test, and remember which live tests it depends on."""
    coverage = [item for item in items if item.path.name == COVERAGE_MODULE and item.path.parent.name == "client_live"]
    rest = [item for item in items if item not in coverage]
    items[:] = rest + coverage
    LOG.scenario_tests = {item.nodeid for item in rest if "operation_log" in getattr(item, "fixturenames", ())}


@pytest.fixture
def operation_log(request: pytest.FixtureRequest) -> Iterator[OperationLog]:
    yield LOG
    LOG.finished_tests.add(request.node.nodeid.split("@")[0])  # xdist's loadgroup appends "@group"


@pytest.fixture
def org(live_server: LiveServer, sync_engine: Engine) -> Org:
    """A brand-new organisation (same database as the server process), its clock frozen at `NOW`."""
    with admin_session(sync_engine) as session:
        created, token = create_org(session, f"Live org {uuid.uuid4().hex[:10]}")
        session.commit()
        org = Org(created.id, token, live_server.base_url + API_PREFIX)
    response = httpx.put(
        live_server.base_url + "/_sandbox/clock", json={"now": NOW.isoformat(), "frozen": True}, headers=org.headers
    )
    assert response.status_code == 200, response.text
    return org


@pytest.fixture
def client(org: Org, operation_log: OperationLog) -> Iterator[Client]:
    """The SDK's blocking client for `org`, over real HTTP, recording every request."""
    with Client(base_url=org.base_url, token=org.token, transport=RecordingTransport(), retry=NO_RETRY) as sdk:
        yield sdk


@pytest.fixture
def sandbox(live_server: LiveServer, org: Org) -> Iterator[Sandbox]:
    box = Sandbox(live_server, org)
    yield box
    box.http.close()
