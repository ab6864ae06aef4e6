"""Work never outlives its request (issue 19, item 7; decisions F5, F6), on real server processes.

- Reads abandoned by their clients leave no statement running: the read is cancelled when the client goes, and
  with it its PostgreSQL statement (counted in `pg_stat_activity`).
- A statement past `OPENQUALIFY_STATEMENT_TIMEOUT_MS` is stopped and its request answers 503 `ServerError`
  naming the budget, reads and writes alike, and a write stopped so changed nothing; small statements are not
  affected (on SQLite they never even check the clock).

Slow statements on PostgreSQL come from a lock the test holds on `users` (a statement waiting for it is as busy
as a long one, and stops exactly when told); on SQLite, whose readers never wait, from a list over thousands of
learners under a budget of a few milliseconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from openqualify.server.db.engine import APPLICATION_NAME, make_sync_engine
from tests.fixtures.live import running_server
from tests.fixtures.reliability import Org, checked, make_offering

pytestmark = pytest.mark.e2e

ABANDONED = 12
CLIENT_PATIENCE = 3.0  # seconds an abandoning client waits for its answer


def _postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's statements")


@contextmanager
def users_locked(database_url: str) -> Iterator[Engine]:
    """Every statement that reads `users` waits while this holds the table (the test's own session)."""
    admin = create_engine(make_sync_engine(database_url).url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            transaction = connection.exec_driver_sql("BEGIN")
            connection.exec_driver_sql("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
            try:
                yield admin
            finally:
                connection.exec_driver_sql("ROLLBACK")
                del transaction
    finally:
        admin.dispose()


def running_statements(admin: Engine) -> int:
    """The server's statements under way (its sessions are named `openqualify`)."""
    with admin.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = :name AND state = 'active'"
                ),
                {"name": APPLICATION_NAME},
            ).scalar_one()
        )


def _learners(org: Org, offering: str, count: int) -> None:
    with org.client() as api:
        people = [{"email": f"l{n}@example.com", "firstName": "L", "lastName": str(n)} for n in range(count)]
        checked(api.post(f"/offerings/{offering}/users", json=people), 201)


@pytest.mark.parametrize("workers", [1, 2], ids=["one-worker", "two-workers"])
def test_abandoned_reads_leave_no_statement_running(
    database_url: str, org_factory: Callable[[str], Org], workers: int
) -> None:
    _postgres(database_url)
    with running_server(database_url, "--workers", str(workers), env={"OPENQUALIFY_LIST_CACHE_MB": "0"}) as server:
        org = org_factory(server.base_url)
        offering = make_offering(org)
        _learners(org, offering, 5)
        reads = [
            "/users/l1@example.com",  # the read path's own pool
            f"/offerings/{offering}/users",  # ORM reads
            "/users/all/progress?$top=1000",  # Core reads through the engine
        ]
        with users_locked(database_url) as admin:

            def abandon(path: str) -> None:
                with org.client() as api, pytest.raises(httpx.ReadTimeout):
                    api.get(path, timeout=httpx.Timeout(60.0, read=CLIENT_PATIENCE))  # gives up and hangs up

            threads = [threading.Thread(target=abandon, args=(reads[n % 3],)) for n in range(ABANDONED)]
            for thread in threads:
                thread.start()
            time.sleep(CLIENT_PATIENCE / 2)
            waiting = running_statements(admin)  # the clients still wait: their statements wait for the lock
            for thread in threads:
                thread.join(timeout=60)
            assert waiting > 0, "the test's reads never reached the database"
            deadline = time.monotonic() + 5
            while (left := running_statements(admin)) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert left == 0, f"{left} statements still running 5 s after their clients left (lock still held)"
        print(f"\n{waiting} statements running while the clients waited, 0 within 5 s of their leaving")
        with org.client() as api:  # the server is fine afterwards
            assert checked(api.get("/users/l1@example.com"))["email"] == "l1@example.com"
        assert "client went away: read cancelled" in server.log()


def test_a_statement_past_its_budget_answers_503(database_url: str, org_factory: Callable[[str], Org]) -> None:
    _postgres(database_url)
    with running_server(database_url, env={"OPENQUALIFY_STATEMENT_TIMEOUT_MS": "500"}) as server:
        org = org_factory(server.base_url)
        offering = make_offering(org)
        _learners(org, offering, 3)
        with users_locked(database_url), org.client() as api:
            for method, path, body in (
                ("GET", "/users/l1@example.com", None),
                ("GET", f"/offerings/{offering}/users", None),
                ("POST", "/users", {"email": "stopped@example.com"}),
            ):
                started = time.monotonic()
                response = api.request(method, path, json=body)
                assert response.status_code == 503, response.text
                assert response.json()["name"] == "ServerError"
                assert "(500 ms)" in response.json()["details"]
                assert "retry-after" not in response.headers  # the same request would need as long again
                assert time.monotonic() - started < 20  # not the 30 s lock timeout
        with org.client() as api:
            assert api.get("/users/stopped@example.com").status_code == 404  # the stopped write changed nothing
            assert api.post("/users", json={"email": "stopped@example.com"}).status_code == 201


def test_sqlite_statements_have_a_budget_too(database_url: str, org_factory: Callable[[str], Org]) -> None:
    """A 1 ms budget against a list that sorts 10,000 learners (tens of milliseconds of work in one statement);
    the small statements of other requests never check the clock, so they are not affected."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's progress handler")
    with running_server(database_url) as server:
        org = org_factory(server.base_url)
        _learners(org, make_offering(org), 10_000)
        token = org.token
    budget = {"OPENQUALIFY_STATEMENT_TIMEOUT_MS": "1", "OPENQUALIFY_LIST_CACHE_MB": "0"}
    with running_server(database_url, env=budget) as server, Org(server.base_url, token).client() as api:
        assert api.get("/org").status_code == 200
        stopped = api.get("/users/all/progress", params={"$top": "1000", "$orderby": "lastName desc"})
        assert stopped.status_code == 503, stopped.text[:300]
        assert stopped.json()["name"] == "ServerError" and "(1 ms)" in stopped.json()["details"]
        assert api.get("/users/l1@example.com").status_code == 200  # the worker goes on
