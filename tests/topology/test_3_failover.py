"""Failover with a synchronous standby (decision Y6): the primary fenced (stopped) and the standby promoted
while writes are in flight. The workers reconnect by themselves (libpq's host list with
target_session_attrs=read-write), clients see 503 at most during the switch, and every acknowledged write is on
the new primary. Runs last: the topology is not the same afterwards. Also the failure mode of remote_apply with
the standby down: a commit waits, and statement_timeout does not end the wait."""

from __future__ import annotations

import itertools
import threading
import time
import uuid

import httpx
import psycopg
import pytest

from tests.fixtures.live import start_server
from tests.topology.topology import DATABASE, PRIMARY, PRIMARY_PORT, STANDBY, STANDBY_PORT, Topology, wait_for

pytestmark = pytest.mark.e2e

WRITERS = 4
RUN_SECONDS = 30.0  # the longest the writers run; they stop once the new primary has taken writes for a while


def test_a_commit_waits_for_a_stopped_synchronous_standby_and_statement_timeout_does_not_end_it(
    built: Topology,
) -> None:
    """Two commits wait for the stopped standby past statement_timeout. One is cancelled: PostgreSQL then answers
    it as committed (a warning only), although the standby never got it. The other returns once the standby
    is back. Hence the alert rather than a bound that cancels (decision Y6)."""
    built.synchronous("remote_apply")
    built.sql(PRIMARY_PORT, "CREATE TABLE IF NOT EXISTS waits (n int)", DATABASE)
    built.ctl(STANDBY, "stop")
    finished = {1: threading.Event(), 2: threading.Event()}
    errors: list[BaseException] = []

    def commit(n: int) -> None:
        try:
            with psycopg.connect(built.primary_url, autocommit=True, options="-c statement_timeout=500") as conn:
                conn.execute(f"INSERT INTO waits VALUES ({n})")  # type: ignore[arg-type]
        except BaseException as error:
            errors.append(error)
        finished[n].set()

    writers = [threading.Thread(target=commit, args=(n,), daemon=True) for n in (1, 2)]
    try:
        for writer in writers:
            writer.start()
        assert not finished[1].wait(3.0) and not finished[2].is_set(), "a commit returned without its standby"
        waiting = built.sql(PRIMARY_PORT, "SELECT pid FROM pg_stat_activity WHERE wait_event = 'SyncRep' "
                                          "AND query LIKE '%VALUES (1)%'")
        assert len(waiting) == 1
        built.sql(PRIMARY_PORT, f"SELECT pg_cancel_backend({waiting[0][0]})")
        assert finished[1].wait(10.0)
        assert errors == [], "the cancelled commit failed"  # it is answered as done
        assert built.sql(PRIMARY_PORT, "SELECT count(*) FROM waits WHERE n = 1", DATABASE)[0][0] == 1
        assert not finished[2].is_set()
    finally:
        built.ctl(STANDBY, "start")
    assert finished[2].wait(30.0), "the commit did not return once the standby was back"
    assert errors == []
    wait_for(built.streaming, "the standby streaming again")


def test_promoting_the_synchronous_standby_loses_no_acknowledged_write(built: Topology) -> None:
    built.synchronous("remote_apply")
    server = start_server(
        built.failover_url(), "--workers", "2",
        env={"OPENQUALIFY_MODE": "production", "OPENQUALIFY_RATE_LIMIT_PER_MINUTE": "0"},
    )
    headers = built.new_org()
    acknowledged: list[str] = []
    statuses: dict[int, int] = {}
    successes: list[float] = []
    lock = threading.Lock()
    stop = threading.Event()
    promoted_at: list[float] = []

    def write(w: int) -> None:
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as client:
            n = 0
            while not stop.is_set() and n < 100_000:
                email = f"f{w}-{n}-{uuid.uuid4().hex[:6]}@example.com"
                try:
                    status = client.post("/v1/users", json={"email": email}).status_code
                except httpx.TransportError:
                    status = 0
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    if status == 201:
                        acknowledged.append(email)
                        successes.append(time.monotonic())
                n += 1

    writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    try:
        for thread in writers:
            thread.start()
        wait_for(lambda: len(acknowledged) >= 30, "writes before the failover", timeout=60)
        built.ctl(PRIMARY, "stop")  # fenced first: never two writable primaries
        built.ctl(STANDBY, "promote")
        promoted_at.append(time.monotonic())
        deadline = time.monotonic() + RUN_SECONDS
        wait_for(lambda: len([t for t in successes if t > promoted_at[0]]) >= 50 or time.monotonic() > deadline,
                 "writes on the new primary", timeout=RUN_SECONDS + 5)
    finally:
        stop.set()
        for thread in writers:
            thread.join(timeout=90)
        server.stop()
    after = [t for t in successes if t > promoted_at[0]]
    assert len(after) >= 50, f"only {len(after)} writes after the promotion; statuses {statuses}"
    gaps = [later - earlier for earlier, later in itertools.pairwise(successes)]
    longest = max(gaps)
    saved = {row[0] for row in built.sql(
        STANDBY_PORT, "SELECT email FROM users WHERE email LIKE 'f%@example.com'", DATABASE)}
    lost = [email for email in acknowledged if email not in saved]
    print(f"\nfailover: {len(acknowledged)} writes acknowledged, {len(lost)} lost, answers {statuses}, "
          f"longest time without an acknowledged write {longest:.2f} s")
    assert lost == []
    assert set(statuses) <= {201, 503}, statuses
