"""Shared fixtures: one migrated database per test run (per xdist worker), one organisation per test.

Set OPENQUALIFY_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run on PostgreSQL: each run
creates (and drops) its own database on that server. Without it the suite runs on a temporary SQLite file.
Every test gets a fresh organisation and token; organisations are isolated, so tests need no cleanup.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from openqualify.server.app import create_app
from openqualify.server.config import Settings
from openqualify.server.db.engine import make_sync_engine
from openqualify.server.db.migrate import upgrade
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from tests.contract.spec import validate_response

TEST_DB_ENV = "OPENQUALIFY_TEST_DATABASE_URL"


def _postgres_database(base_url: str, worker: str) -> Iterator[str]:
    admin_url = make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"oq_test_{worker}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    base = os.environ.get(TEST_DB_ENV, "")
    if base.startswith("postgresql"):
        for url in _postgres_database(base, worker_id):
            upgrade(url)
            yield url
    else:
        path: Path = tmp_path_factory.mktemp("db") / "openqualify-test.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def sync_engine(database_url: str) -> Iterator[Engine]:
    engine = make_sync_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(database_url: str) -> FastAPI:
    return create_app(Settings(database_url=database_url))


@pytest.fixture(scope="session")
def http(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@dataclass
class Api:
    """A client for one organisation. Every answer from `/v1` is checked against the contract."""

    http: TestClient
    token: str
    org_id: str
    prefix: str = "/v1"
    check_contract: bool = True

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        response = self.http.request(method, self.prefix + path, headers=headers, **kwargs)
        if self.check_contract and self.prefix == "/v1":
            body = response.json() if response.content else None
            validate_response(method, urlsplit(path).path, response.status_code, body)
        assert response.status_code != 500, response.text
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    @property
    def sandbox(self) -> Api:
        """The same organisation's sandbox control plane (`/_sandbox`)."""
        return Api(self.http, self.token, self.org_id, prefix="/_sandbox")


@pytest.fixture
def new_api(http: TestClient, sync_engine: Engine) -> Callable[[], Api]:
    """A factory of clients, each for a brand-new organisation."""

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


def error_name(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) >= {"name", "details"}, body
    return str(body["name"])


@dataclass
class LiveServer:
    base_url: str  # e.g. http://127.0.0.1:PORT
    token: str  # the demo organisation's token


LIVE_TOKEN = "live-test-token-0123456789abcdefghij"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(database_url: str) -> Iterator[LiveServer]:
    """`openqualify serve --demo` as a real process on a free loopback port, on the run's database."""
    import subprocess
    import sys
    import tempfile
    import time

    port = _free_port()
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
