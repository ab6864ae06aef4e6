"""Reads on a hot standby with read-your-writes (decisions Y1-Y4), on the real topology (tests/topology/topology.py).

The application runs in process so that the test can see where each read went (`ReplicaSet.served`); every
answer still goes through the whole application, and the organisations are made on the primary."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openqualify.server.app import create_app
from openqualify.server.config import Settings
from openqualify.server.db.replicas import ReplicaSet
from tests.topology.topology import STANDBY, STANDBY_PORT, Topology, wait_for

MAX_LAG_MS = 1000


@pytest.fixture
def client(built: Topology) -> Iterator[TestClient]:
    settings = Settings(
        database_url=built.primary_url,
        mode="production",
        database_replica_urls=[built.standby_url],
        replica_max_lag_ms=MAX_LAG_MS,
        replica_wait_ms=20,
        rate_limit_per_minute=0,
        metrics="on",
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        yield http


def _replicas(client: TestClient) -> ReplicaSet:
    replicas = client.app.state.replicas  # type: ignore[attr-defined]
    assert isinstance(replicas, ReplicaSet)
    return replicas


def _write_then_read(client: TestClient, headers: dict[str, str], n: int) -> list[str]:
    """POST a user and GET it at once, PATCH its name and GET it at once: what the reads missed of the writes
    just acknowledged."""
    email = f"ryw-{n}-{uuid.uuid4().hex[:6]}@example.com"
    created = client.post("/v1/users", json={"email": email, "firstName": "R", "lastName": str(n)}, headers=headers)
    assert created.status_code == 201, created.text
    missed = []
    one = client.get(f"/v1/users/{email}", headers=headers)
    if one.status_code != 200:
        missed.append(f"GET /users/{email} after POST: {one.status_code}")
    changed = client.patch(f"/v1/users/{email}", json={"firstName": f"Changed{n}"}, headers=headers)
    assert changed.status_code == 200, changed.text
    again = client.get(f"/v1/users/{email}", headers=headers)
    if again.status_code != 200 or again.json()["firstName"] != f"Changed{n}":
        missed.append(f"GET /users/{email} after PATCH: {again.status_code} {again.text[:80]}")
    return missed


def test_reads_run_on_the_standby_and_see_the_clients_own_writes(built: Topology, client: TestClient) -> None:
    replicas = _replicas(client)
    headers = built.new_org()
    before = dict(replicas.served)
    missed = [m for n in range(40) for m in _write_then_read(client, headers, n)]
    assert missed == []
    on_standby = replicas.served["standby"] - before["standby"]
    on_primary = replicas.served["primary"] - before["primary"]
    print(f"\n40 writes, each read back at once: {on_standby} compiled reads on the standby, {on_primary} on the "
          f"primary, {replicas.served['waited'] - before['waited']} waited for replay")
    assert on_standby > 0, "no read ran on the standby"
    scrape = client.get("/metrics").text  # the standby's pools under their own label (decision W5)
    assert 'openqualify_db_pool_connections_max{pool="replica"}' in scrape
    assert 'openqualify_db_pool_connections_max{pool="reads"}' in scrape


def test_a_paused_standby_serves_nobody_its_stale_rows(built: Topology, client: TestClient) -> None:
    """Replay paused: the writer's reads fall back to the primary at once (after the short wait); once the
    standby lags past the bound, nobody reads from it; replay resumed, the standby serves again."""
    replicas = _replicas(client)
    headers, other = built.new_org(), built.new_org()
    built.sql(STANDBY_PORT, "SELECT pg_wal_replay_pause()")
    try:
        missed = [m for n in range(10) for m in _write_then_read(client, headers, n)]
        assert missed == []
        time.sleep(MAX_LAG_MS / 1000 + 1.0)  # past the bound: the monitor sees the lag
        (standby,) = replicas.standbys
        assert standby.lag_seconds > MAX_LAG_MS / 1000
        before = replicas.served["standby"]
        assert client.get("/v1/users/nobody@example.com", headers=other).status_code == 404
        assert replicas.served["standby"] == before, "a standby lagging past the bound served a read"
    finally:
        built.sql(STANDBY_PORT, "SELECT pg_wal_replay_resume()")
    wait_for(lambda: standby.lag_seconds == 0 and standby.up, "the standby fit again", timeout=10)
    before = replicas.served["standby"]
    assert client.get("/v1/users/nobody@example.com", headers=other).status_code == 404
    assert replicas.served["standby"] > before


def test_a_standby_stopped_mid_run_costs_no_failed_request(built: Topology, client: TestClient) -> None:
    """Writes and read-backs run while the standby is stopped and started again: every request answers as if
    nothing happened (the primary serves while the standby is away), and the standby serves again after."""
    replicas = _replicas(client)
    headers = built.new_org()
    missed: list[str] = []
    errors: list[Any] = []
    stop = threading.Event()

    def traffic() -> None:
        n = 0
        while not stop.is_set() and n < 2000:
            try:
                missed.extend(_write_then_read(client, headers, n))
            except AssertionError as error:
                errors.append(error)
            n += 1

    runner = threading.Thread(target=traffic)
    runner.start()
    try:
        time.sleep(1.0)
        built.ctl(STANDBY, "stop")
        time.sleep(2.0)
        (standby,) = replicas.standbys
        assert not standby.up
        built.ctl(STANDBY, "start")
        wait_for(built.streaming, "the standby streaming again")
        wait_for(lambda: standby.up, "the standby seen up again", timeout=10)
        time.sleep(1.0)
    finally:
        stop.set()
        runner.join(timeout=60)
    assert errors == [] and missed == []
    before = replicas.served["standby"]
    assert _write_then_read(client, headers, 9999) == []
    assert replicas.served["standby"] > before


def test_a_committed_row_reaches_the_standby_within_milliseconds(built: Topology) -> None:
    """The replica lag seen here (printed for docs/deployment.md): commit a row on the primary, then look for it
    on the standby every millisecond or so."""
    import psycopg

    delays = []
    with psycopg.connect(built.primary_url, autocommit=True) as primary, \
            psycopg.connect(built.standby_url, autocommit=True) as standby:  # fmt: skip
        primary.execute("CREATE TABLE IF NOT EXISTS lag_probe (n int)")
        deadline = time.perf_counter() + 5.0
        while standby.execute("SELECT to_regclass('lag_probe')").fetchone() == (None,):  # the table replays first
            assert time.perf_counter() < deadline, "the probe's table not on the standby within 5 s"
            time.sleep(0.005)
        for n in range(200):
            primary.execute("INSERT INTO lag_probe VALUES (%s)", (n,))
            committed = time.perf_counter()
            deadline = committed + 5.0
            while not standby.execute("SELECT 1 FROM lag_probe WHERE n = %s", (n,)).fetchone():
                assert time.perf_counter() < deadline, f"row {n} not on the standby within 5 s"
                time.sleep(0.0005)
            delays.append((time.perf_counter() - committed) * 1000)
    delays.sort()
    print(f"\nreplica lag, 200 commits: median {delays[100]:.1f} ms, p95 {delays[190]:.1f} ms, max {delays[-1]:.1f} ms")
