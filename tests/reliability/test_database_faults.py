"""A database that goes away, or is damaged, never answers 500 (issue 19, item 6; decisions F3, F4).

Real server processes under a load of reads (the read path's own pool and ORM reads) and writes:
- PostgreSQL backends terminated under the server (`pg_terminate_backend`): every request is answered as if
  nothing happened (the lost connection is replaced and the request run again);
- a PostgreSQL restart (a cluster of the test's own): no 500, at most a 503 with Retry-After while it is down;
- the database stopped: reads and writes answer 503 `ServerError` with Retry-After, `/ready` 503; started
  again: everything answers, and the writes refused meanwhile changed nothing;
- a damaged SQLite file: `serve` refuses it with one `error:` line; a server that finds damage later says so
  on `/ready`.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from openqualify.server.app import create_app
from openqualify.server.config import Settings
from openqualify.server.db.engine import APPLICATION_NAME, make_sync_engine
from openqualify.server.db.migrate import upgrade
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from tests.fixtures.live import ServerProcess, free_port, running_server
from tests.fixtures.reliability import Org, checked, make_offering, new_token
from tests.reliability.pg_cluster import Cluster, own_cluster

pytestmark = pytest.mark.e2e

LOAD_THREADS = 4


def _postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's connections")


@dataclass
class Load:
    """Threads sending reads and writes in turn until stopped; every answer is recorded."""

    org: Org
    offering: str
    answers: list[tuple[float, int | str, str, str | None]] = field(default_factory=list)  # (t, status, body, RA)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Load:
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(LOAD_THREADS)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _run(self, n: int) -> None:
        requests = 0
        with self.org.client() as api:
            while not self._stop.is_set() and requests < 5_000:
                requests += 1
                try:
                    match requests % 4:
                        case 0:
                            response = api.get("/org")
                        case 1:
                            response = api.get(f"/offerings/{self.offering}")  # the read path's own pool
                        case 2:
                            response = api.get(f"/offerings/{self.offering}/users")  # ORM reads
                        case _:
                            response = api.post("/users", json={"email": f"load{n}-{requests}@example.com"})
                    status: int | str = response.status_code
                    body, retry_after = response.text[:300], response.headers.get("retry-after")
                except httpx.TransportError as error:
                    status, body, retry_after = type(error).__name__, str(error), None
                self.answers.append((time.monotonic(), status, body, retry_after))

    def failures(self, since: float = 0.0) -> list[tuple[float, int | str, str, str | None]]:
        return [a for a in self.answers if a[0] >= since and a[1] not in (200, 201)]


def _setup(server: ServerProcess, org: Org) -> Load:
    offering = make_offering(org)
    with org.client() as api:
        people = [{"email": f"member{n}@example.com", "firstName": "M", "lastName": str(n)} for n in range(10)]
        checked(api.post(f"/offerings/{offering}/users", json=people), 201)
    return Load(org, offering)


def _only_temporary(failures: list[tuple[float, int | str, str, str | None]]) -> None:
    """No 500, no dropped connection: at most 503 ServerError saying it is temporary, with Retry-After."""
    for _, status, body, retry_after in failures:
        assert status == 503, (status, body)
        assert '"name":"ServerError"' in body and retry_after, (body, retry_after)


@pytest.mark.parametrize("workers", [1, 2], ids=["one-worker", "two-workers"])
def test_terminated_connections_are_replaced(
    database_url: str, org_factory: Callable[[str], Org], workers: int
) -> None:
    _postgres(database_url)
    admin = create_engine(make_sync_engine(database_url).url, isolation_level="AUTOCOMMIT")
    with running_server(database_url, "--workers", str(workers)) as server:
        load = _setup(server, org_factory(server.base_url)).start()
        try:
            terminated = 0
            for _ in range(3):
                time.sleep(1.0)
                with admin.connect() as connection:
                    terminated += connection.execute(
                        text(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND application_name = :name"
                        ),
                        {"name": APPLICATION_NAME},
                    ).scalar_one()
            time.sleep(1.0)
        finally:
            load.stop()
    admin.dispose()
    assert terminated >= 3 and len(load.answers) > 40, (terminated, len(load.answers))
    failures = load.failures()
    # A write whose connection is lost during COMMIT cannot know whether it was saved: it alone may say so (503).
    assert all("may or may not have been saved" in body for _, _, body, _ in failures), failures
    _only_temporary(failures)


@pytest.fixture(scope="module")
def cluster(database_url: str) -> Iterator[Cluster]:
    _postgres(database_url)  # once per suite run: in the PostgreSQL pass
    with own_cluster() as made:
        admin = create_engine(make_sync_engine(made.url()).url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('CREATE DATABASE "faults"'))
        admin.dispose()
        upgrade(made.url("faults"))
        yield made


def test_a_restart_under_load_answers_no_500(cluster: Cluster) -> None:
    url = cluster.url("faults")
    with running_server(url, "--workers", "2") as server:
        load = _setup(server, Org(server.base_url, new_token(make_sync_engine(url)))).start()
        try:
            time.sleep(1.0)
            cluster.ctl("restart")
            restarted = time.monotonic()
            time.sleep(3.0)
        finally:
            load.stop()
    _only_temporary(load.failures())
    assert not load.failures(since=restarted + 1.0), "still failing a second after the restart"
    assert sum(1 for a in load.answers if a[0] > restarted) > 10


def test_while_the_database_is_away(cluster: Cluster) -> None:
    url = cluster.url("faults")
    with running_server(url, env={"OPENQUALIFY_AUTH_CACHE_SECONDS": "0"}) as server:
        org = Org(server.base_url, new_token(make_sync_engine(url)))
        offering = make_offering(org)
        cluster.ctl("stop")
        try:
            ready = httpx.get(f"{server.base_url}/ready", timeout=30)
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"].startswith("unavailable")
            with org.client() as api:
                for method, path, body in (
                    ("GET", f"/offerings/{offering}", None),
                    ("GET", f"/offerings/{offering}/users", None),
                    ("POST", "/users", {"email": "while-away@example.com"}),
                ):
                    started = time.monotonic()
                    response = api.request(method, path, json=body)
                    assert response.status_code == 503, response.text
                    assert response.json() == {
                        "name": "ServerError",
                        "details": "The database is unavailable: the request changed nothing, try again shortly.",
                    }
                    assert response.headers["retry-after"] == "1"
                    assert time.monotonic() - started < 30
        finally:
            cluster.ctl("start")
        deadline = time.monotonic() + 60
        while httpx.get(f"{server.base_url}/ready", timeout=30).status_code != 200:
            assert time.monotonic() < deadline, "not ready again a minute after the database came back"
            time.sleep(0.2)
        with org.client() as api:
            assert api.get(f"/offerings/{offering}").status_code == 200
            assert api.get("/users/while-away@example.com").status_code == 404  # the refused write changed nothing
            assert api.post("/users", json={"email": "while-away@example.com"}).status_code == 201


# --- a damaged SQLite file ----------------------------------------------------------------------------------


def _damaged_copy(tmp_path: Path, table: str = "users") -> tuple[str, str]:
    """A migrated SQLite file with an organisation (its token returned) and 400 users, whose `table` pages are
    then overwritten with garbage, as a disk or a copy gone wrong would leave them."""
    path = tmp_path / "damaged.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_sync_engine(url)
    with admin_session(engine) as session:
        org, token = create_org(session, "Damaged")
        org_id = org.id
        session.commit()
    engine.dispose()
    connection = sqlite3.connect(path)
    with closing(connection), connection:
        connection.executemany(
            "INSERT INTO users (id, org_id, email, email_key, tags, invite_sent_count, suspended, is_builder, "
            "is_manager, created_at) VALUES (?, ?, ?, ?, '[]', 0, 0, 0, 0, '2024-01-01 00:00:00.000000')",
            [(f"user{n:05}", org_id, f"u{n}@example.com", f"u{n}@example.com") for n in range(400)],
        )
        connection.commit()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = [row[0] for row in connection.execute("SELECT pageno FROM dbstat WHERE name = ?", (table,))]
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    assert len(pages) > 2
    with path.open("r+b") as file:
        for page in pages[1:]:  # the root page stays: the table is found, its rows are not
            file.seek((page - 1) * page_size)
            file.write(b"\xa5" * page_size)
    return url, token


def test_serve_refuses_a_damaged_sqlite_file(tmp_path: Path) -> None:
    url, _ = _damaged_copy(tmp_path)
    command = [sys.executable, "-m", "openqualify.cli.main", "serve", "--db", url, "--port", str(free_port())]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 1
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "damaged" in lines[0], finished.stderr
    assert "sqlite3" in lines[0] and ".recover" in lines[0]  # says what to do


def test_ready_says_when_requests_find_the_file_damaged(tmp_path: Path) -> None:
    """A file damaged after the start check (or served without `serve`): the first request that meets the
    damage answers 500 (a fault, not a wait), and from then on `/ready` is 503 with SQLite's words."""
    url, token = _damaged_copy(tmp_path)
    app = create_app(Settings(database_url=url))
    with TestClient(app, raise_server_exceptions=False) as http:
        assert http.get("/ready").status_code == 200  # nothing has met the damage yet
        headers = {"Authorization": f"Bearer {token}"}
        assert http.get("/v1/org", headers=headers).status_code == 200  # other tables are sound
        damaged = http.get("/v1/users/u7@example.com", headers=headers)
        assert damaged.status_code == 500
        assert damaged.json()["name"] == "ServerError"
        ready = http.get("/ready")
        assert ready.status_code == 503
        assert ready.json() == {
            "status": "unavailable", "checks": {"database": "damaged: database disk image is malformed"}
        }
