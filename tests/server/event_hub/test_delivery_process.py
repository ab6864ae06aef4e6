"""`serve --deliveries process`: the webhooks leave from a process of their own, woken by the workers' commits,
started again when it dies, and gone when the server stops or is killed."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import Engine

from tests.fixtures.event_hub import Receiver
from tests.fixtures.live import ServerProcess, start_server
from tests.server.event_hub.test_live import Org, _configure, _new_org, _ok

pytestmark = pytest.mark.e2e

# Far longer than the test's waits: a delivery within them was woken by the commit, not found by a look.
SLOW_POLL = {"OPENQUALIFY_EVENT_HUB_POLL_SECONDS": "60"}
DELIVERER = re.compile(r"delivering from a process of its own \[(\d+)\]")
WAIT = 20.0


def _deliverers(server: ServerProcess) -> list[int]:
    return [int(pid) for pid in DELIVERER.findall(server.log())]


def _wait(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ", 1)[1][0] != "Z"


def _statuses(org: Org) -> list[str]:
    with org.client("/event-hub") as hub:
        return [d["status"] for d in _ok(hub.get("/deliveries"))["deliveries"]]


def _user(org: Org, email: str) -> None:
    with org.client() as api:
        _ok(api.post("/users", json={"email": email}), 201)


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGKILL"])
def test_webhooks_leave_from_their_own_process(
    database_url: str, sync_engine: Engine, receiver: Receiver, stop: str
) -> None:
    server = start_server(database_url, "--deliveries", "process", env=SLOW_POLL)
    try:
        _wait(lambda: _deliverers(server), "the delivery process")
        [first] = _deliverers(server)
        assert first != server.process.pid
        org = _new_org(sync_engine, server)
        _configure(org, receiver)
        _user(org, "woken@example.com")
        assert len(receiver.wait_for(1, "user.created", timeout=WAIT)) == 1  # woken, not polled (60 s)
        _wait(lambda: _statuses(org) == ["delivered"], "the delivery recorded")  # the 200 comes before the record

        os.kill(first, signal.SIGKILL)  # the supervisor starts another, which takes over
        _wait(lambda: len(_deliverers(server)) == 2, "a new delivery process")
        assert _deliverers(server)[1] != first
        _user(org, "again@example.com")
        assert len(receiver.wait_for(2, "user.created", timeout=WAIT)) == 2
        _wait(lambda: _statuses(org) == ["delivered", "delivered"], "both deliveries recorded")
        # The deliverers' metrics are in the workers' scrape (prometheus-client's multiprocess files); the workers
        # deliver nothing, so every delivered attempt counted is a deliverer's (the first one's last count may have
        # died with it: an attempt is counted after its record).
        scrape = httpx.get(f"{server.base_url}/metrics", timeout=10).text
        attempts = re.findall(r'^openqualify_hub_delivery_attempts_total\{[^}]*outcome="delivered"[^}]*\} (\S+)$',
                              scrape, re.MULTILINE)
        assert sum(float(value) for value in attempts) >= 1, scrape
        assert [e["data"]["user"]["email"] for e in receiver.events("user.created")] == [
            "woken@example.com",
            "again@example.com",
        ]
    finally:
        deliverers = _deliverers(server)
        try:
            if stop == "SIGTERM":
                server.stop()
            else:  # the server's own process only: its deliverer ends with it (the parent-death signal)
                os.kill(server.process.pid, signal.SIGKILL)
                server.process.wait(timeout=30)
            _wait(lambda: not any(_alive(pid) for pid in deliverers), "the delivery process to end with the server")
        finally:
            server.kill()  # the rest of the process group (uvicorn's worker outlives a killed supervisor)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.base_url}/ready", timeout=2)
