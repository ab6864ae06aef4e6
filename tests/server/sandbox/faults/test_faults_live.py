"""Faults on a real server process, through the project's own SDK: retries honour `Retry-After`, a `POST` is never
repeated after a 500, the policy's attempts are the limit; dropped connections reach the client as such."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from openqualify.client import MAX_RETRIES, APIConnectionError, Client, ServerError
from openqualify.client.sandbox import Sandbox
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from tests.fixtures.live import LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(live_server: LiveServer, sync_engine: Engine, sleeps: list[float]) -> Iterator[Client]:
    """A new organisation on the live server, through the SDK; waits are recorded instead of slept."""
    with admin_session(sync_engine) as session:
        _, token = create_org(session, f"Faults {uuid.uuid4().hex[:10]}")
        session.commit()
    with Client(base_url=f"{live_server.base_url}/v1", token=token, timeout=30, sleep=sleeps.append) as sdk:
        yield sdk


def test_retries_honour_retry_after(client: Client, sleeps: list[float]) -> None:
    Sandbox(client).faults.add(method="GET", path="/v1/org", status=429, retry_after=3, times=2)
    assert client.org.get().name  # third attempt answers
    assert sleeps == [3.0, 3.0]
    rule = Sandbox(client).faults.list()[0]
    assert (rule.matched, rule.hits, rule.exhausted) == (3, 2, True)


def test_a_post_is_never_repeated_after_a_500(client: Client, sleeps: list[float]) -> None:
    sandbox = Sandbox(client)
    sandbox.faults.add(method="POST", path="/v1/users", status=500)
    with pytest.raises(ServerError):
        client.users.create("once@example.com", first_name="Once", last_name="Only")
    assert sleeps == [] and sandbox.faults.list()[0].matched == 1


def test_the_sdk_gives_up_after_the_policys_attempts(client: Client, sleeps: list[float]) -> None:
    sandbox = Sandbox(client)
    sandbox.faults.add(method="GET", path="/v1/org", status=503)
    with pytest.raises(ServerError) as failure:
        client.org.get()
    assert failure.value.status == 503
    assert sandbox.faults.list()[0].matched == MAX_RETRIES + 1 and len(sleeps) == MAX_RETRIES
    assert sandbox.faults.clear() == 1
    assert client.org.get().name


def test_a_dropped_post_ran_but_its_answer_was_lost(client: Client, sleeps: list[float]) -> None:
    """The case idempotent syncs exist for: the server acted, the client cannot tell."""
    sandbox = Sandbox(client)
    sandbox.faults.add(method="POST", path="/v1/users", drop="empty", times=1)
    with pytest.raises(APIConnectionError):
        client.users.create("lost@example.com", first_name="Lost", last_name="Answer")
    assert sleeps == []  # a POST is not sent again after a lost answer
    assert client.users.get("lost@example.com").email == "lost@example.com"


def test_a_reset_get_is_retried_by_the_sdk(client: Client, sleeps: list[float]) -> None:
    Sandbox(client).faults.add(method="GET", path="/v1/org", drop="reset", times=1)
    assert client.org.get().name
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    ("drop", "error"),
    [("reset", httpx.ReadError), ("empty", httpx.RemoteProtocolError), ("malformed", httpx.RemoteProtocolError)],
)
def test_drops_reach_a_plain_http_client(client: Client, drop: str, error: type[Exception]) -> None:
    Sandbox(client).faults.add(method="GET", path="/v1/org", drop=drop, times=1)  # type: ignore[arg-type]
    headers = {"Authorization": f"Bearer {client.settings.token}"}
    with httpx.Client(timeout=10) as http, pytest.raises(error) as failure:
        http.get(f"{client.base_url}/org", headers=headers)
    if drop == "reset":
        assert "reset" in str(failure.value).lower() or "104" in str(failure.value)
    with httpx.Client(timeout=10) as http:
        assert http.get(f"{client.base_url}/org", headers=headers).status_code == 200
