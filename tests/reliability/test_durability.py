"""kill -9 while clients write: every acknowledged write survives the restart, and the database is intact."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from tests.fixtures.live import start_server
from tests.fixtures.reliability import Org

pytestmark = pytest.mark.e2e

ROUNDS = 2
WRITERS = 3
LOAD_SECONDS = 1.5  # at least this long, and until WRITES_PER_ROUND are acknowledged (at most LOAD_LIMIT_SECONDS)
WRITES_PER_ROUND = 15
LOAD_LIMIT_SECONDS = 30.0


def _write_until_killed(org: Org, tag: str, acknowledged: list[str], stop: threading.Event) -> None:
    n = 0
    with org.client() as api:
        while not stop.is_set() and n < 2_000:
            email = f"{tag}-{n}@example.com"
            n += 1
            try:
                response = api.post("/users", json={"email": email, "firstName": "D", "lastName": "K"})
            except httpx.TransportError:
                return  # the server is gone: this write was never acknowledged
            if response.status_code == 201:
                acknowledged.append(email)


@pytest.mark.parametrize("workers", [1, 2], ids=["one-worker", "two-workers"])
def test_acknowledged_writes_survive_kill_9(
    database_url: str, org_factory: Callable[[str], Org], workers: int
) -> None:
    server = start_server(database_url, "--workers", str(workers))
    org = org_factory(server.base_url)
    acknowledged: list[str] = []
    try:
        for round_ in range(ROUNDS):
            stop = threading.Event()
            threads = [
                threading.Thread(target=_write_until_killed, args=(org, f"r{round_}w{w}", acknowledged, stop))
                for w in range(WRITERS)
            ]
            before = len(acknowledged)
            for thread in threads:
                thread.start()
            time.sleep(LOAD_SECONDS)
            deadline = time.monotonic() + LOAD_LIMIT_SECONDS  # a loaded machine writes slower: kill mid-load anyway
            while len(acknowledged) - before < WRITES_PER_ROUND and time.monotonic() < deadline:
                time.sleep(0.05)
            server.kill()  # SIGKILL to the whole process group, mid-write
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
            server = start_server(database_url, "--workers", str(workers))
            org = Org(server.base_url, org.token)
        assert len(acknowledged) > 20, "the load did not get going"
        with org.client() as api:
            missing = [e for e in acknowledged if api.get(f"/users/{e}").status_code != 200]
        assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged creates were lost: {missing[:5]}"
        print(f"\n{len(acknowledged)} acknowledged creates over {ROUNDS} kills, none lost")
    finally:
        server.stop()
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        connection.close()
