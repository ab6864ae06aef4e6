"""Shared fixtures: one migrated database per test run (per xdist worker), one organisation per test.

Set OPENQUALIFY_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run on PostgreSQL: each run
creates (and drops) its own database on that server. Without it the suite runs on a temporary SQLite file.
Every test gets a fresh organisation and token; organisations are isolated, so tests need no cleanup.

The helpers these fixtures hand out live in `tests.fixtures`. The server (the application, its database layer)
is imported inside the fixtures that use it, so that a folder whose tests need none of them (tests/client,
tests/cli) starts without importing it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.fixtures.database import TEST_DB_ENV, postgres_database
from tests.fixtures.live import LIVE_TOKEN, LiveServer, free_port

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from sqlalchemy import Engine

    from tests.fixtures.api import Api


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    from openqualify.server.db.migrate import upgrade

    base = os.environ.get(TEST_DB_ENV, "")
    if base.startswith("postgresql"):
        for url in postgres_database(base, worker_id):
            upgrade(url)
            yield url
    else:
        path: Path = tmp_path_factory.mktemp("db") / "openqualify-test.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def sync_engine(database_url: str) -> Iterator[Engine]:
    from openqualify.server.db.engine import make_sync_engine

    engine = make_sync_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(database_url: str) -> FastAPI:
    from openqualify.server.app import create_app
    from openqualify.server.config import Settings

    return create_app(Settings(database_url=database_url))


@pytest.fixture(scope="session")
def http(app: FastAPI) -> Iterator[TestClient]:
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def new_api(http: TestClient, sync_engine: Engine) -> Callable[[], Api]:
    """A factory of clients, each for a brand-new organisation."""
    from openqualify.server.kit.tenancy import admin_session
    from openqualify.server.org.admin import create_org
    from tests.fixtures.api import Api

    def make() -> Api:
        with admin_session(sync_engine) as session:
            org, token = create_org(session, f"Test org {uuid.uuid4().hex[:10]}")
            session.commit()
            return Api(http, token, org.id)

    return make


@pytest.fixture
def api(new_api: Callable[[], Api]) -> Api:
    return new_api()


@pytest.fixture
def other_api(new_api: Callable[[], Api]) -> Api:
    """A second organisation, for isolation tests."""
    return new_api()


@pytest.fixture(scope="session")
def live_server(database_url: str) -> Iterator[LiveServer]:
    """`openqualify serve --demo` as a real process on a free loopback port, on the run's database."""
    import subprocess
    import sys
    import tempfile
    import time

    import httpx

    port = free_port()
    command = [
        sys.executable, "-m", "openqualify.cli.main", "serve", "--demo", "--token", LIVE_TOKEN,
        "--db", database_url, "--port", str(port),
    ]
    log_path = Path(tempfile.mkdtemp(prefix="oq-live-")) / "server.log"
    log = log_path.open("w")  # a file, not a pipe: a chatty server must never block on a full pipe
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited early ({process.returncode}):\n{log_path.read_text()}")
            try:
                response = httpx.get(
                    f"{base_url}/v1/org", headers={"Authorization": f"Bearer {LIVE_TOKEN}"}, timeout=30
                )
                if response.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not answer within 180 s")
            time.sleep(0.2)
        yield LiveServer(base_url, LIVE_TOKEN)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
