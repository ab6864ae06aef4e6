"""Configuration, retries with backoff, Retry-After, timeouts and connection failures."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from openqualify.client import (
    BACKOFF_BASE,
    DEFAULT_BASE_URL,
    MAX_RETRIES,
    RETRY_AFTER_CAP,
    APIConnectionError,
    APITimeoutError,
    Client,
    ServerError,
    TooManyRequestsError,
)
from openqualify.client._base import RetryPolicy, retry_after_seconds
from tests.fixtures.sdk import Recorder


def test_environment_supplies_base_url_and_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENQUALIFY_BASE_URL", "https://iq.example/v1/")
    monkeypatch.setenv("OPENQUALIFY_TOKEN", "env-token")
    recorder = Recorder().reply(200, {"id": "org"})
    client = Client(transport=httpx.MockTransport(recorder.handle))
    client.org.get()
    assert str(recorder.last.url) == "https://iq.example/v1/org"
    assert recorder.last.headers["Authorization"] == "Bearer env-token"


def test_defaults_without_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENQUALIFY_BASE_URL", raising=False)
    monkeypatch.delenv("OPENQUALIFY_TOKEN", raising=False)
    recorder = Recorder().reply(200, {})
    client = Client(transport=httpx.MockTransport(recorder.handle))
    client.org.get()
    assert client.base_url == DEFAULT_BASE_URL
    assert "Authorization" not in recorder.last.headers
    assert client.settings.timeout == httpx.Timeout(30.0, connect=10.0)


def test_explicit_arguments_win_and_timeout_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENQUALIFY_TOKEN", "env-token")
    recorder = Recorder().reply(200, {})
    client = Client("http://h/v1", "arg-token", timeout=5, transport=httpx.MockTransport(recorder.handle))
    client.org.get()
    assert recorder.last.headers["Authorization"] == "Bearer arg-token"
    assert recorder.last.extensions["timeout"] == {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}


def test_ready_http_client_is_used_and_left_open() -> None:
    recorder = Recorder().reply(200, {"name": "Acme"})
    http = httpx.Client(transport=httpx.MockTransport(recorder.handle))
    with Client("http://h/v1", "t", http_client=http) as client:
        assert client.org.get().name == "Acme"
    assert not http.is_closed
    assert recorder.last.headers["Authorization"] == "Bearer t"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_idempotent_call_retries_5xx_then_succeeds(recorder: Recorder, status: int) -> None:
    recorder.reply(status, {"name": "ServerError", "details": "boom"}).reply(200, ["E1"])
    assert recorder.client().course_mappings.add("o1", "E1") == ["E1"]  # PUT
    assert len(recorder.requests) == 2
    assert recorder.sleeps == [BACKOFF_BASE]


def test_backoff_doubles_up_to_the_cap_then_raises(recorder: Recorder) -> None:
    recorder.reply(503, {"name": "ServerError", "details": "down"})
    policy = RetryPolicy(max_retries=5, backoff_base=1, backoff_cap=4, jitter=False)
    with pytest.raises(ServerError) as raised:
        recorder.client(retry=policy).offerings.list()
    assert raised.value.status == 503
    assert recorder.sleeps == [1, 2, 4, 4, 4]
    assert len(recorder.requests) == 6


def test_default_policy_makes_max_retries_attempts(recorder: Recorder) -> None:
    recorder.reply(502)
    with pytest.raises(ServerError):
        recorder.client().offerings.list()
    assert len(recorder.requests) == MAX_RETRIES + 1


def test_jitter_stays_between_half_and_full_backoff(recorder: Recorder) -> None:
    recorder.reply(503)
    with pytest.raises(ServerError):
        recorder.client(retry=RetryPolicy(max_retries=3)).offerings.list()
    for attempt, slept in enumerate(recorder.sleeps):
        full = BACKOFF_BASE * 2**attempt
        assert full / 2 <= slept <= full


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_non_idempotent_call_is_not_retried_on_5xx(recorder: Recorder, status: int) -> None:
    recorder.reply(status, {"name": "ServerError", "details": "boom"})
    with pytest.raises(ServerError):
        recorder.client().users.create("a@example.com")  # POST
    assert len(recorder.requests) == 1
    assert recorder.sleeps == []


def test_429_is_retried_for_any_method_honouring_retry_after_seconds(recorder: Recorder) -> None:
    recorder.reply(429, {"name": "TooManyRequestsError", "details": "slow"}, {"Retry-After": "7"})
    recorder.reply(201, {"id": "u1"})
    assert recorder.client().users.create("a@example.com").id == "u1"
    assert recorder.sleeps == [7.0]


def test_retry_after_http_date_and_cap(recorder: Recorder) -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert retry_after_seconds("Mon, 01 Jan 2024 00:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Sun, 31 Dec 2023 23:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None) is None
    recorder.reply(429, headers={"Retry-After": "3600"}).reply(200, [])
    recorder.client().offerings.list()
    assert recorder.sleeps == [RETRY_AFTER_CAP]


def test_429_exhausted_raises_too_many_requests(recorder: Recorder) -> None:
    recorder.reply(429, {"name": "TooManyRequestsError", "details": "slow"})
    with pytest.raises(TooManyRequestsError) as raised:
        recorder.client(retry=RetryPolicy(max_retries=1, jitter=False)).offerings.list()
    assert (raised.value.status, raised.value.details) == (429, "slow")


def test_connection_errors_are_retried_then_raised(recorder: Recorder) -> None:
    recorder.fail(httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError) as raised:
        recorder.client().offerings.list()
    assert len(recorder.requests) == MAX_RETRIES + 1
    assert "refused" in raised.value.details
    assert isinstance(raised.value.__cause__, httpx.ConnectError)


def test_post_is_retried_when_the_connection_never_opened(recorder: Recorder) -> None:
    recorder.fail(httpx.ConnectError("refused")).reply(201, {"id": "u1"})
    assert recorder.client().users.create("a@example.com").id == "u1"
    assert len(recorder.requests) == 2


def test_post_is_not_retried_after_a_read_timeout(recorder: Recorder) -> None:
    recorder.fail(httpx.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError):
        recorder.client().users.create("a@example.com")
    assert len(recorder.requests) == 1


def test_get_read_timeout_is_retried(recorder: Recorder) -> None:
    recorder.fail(httpx.ReadTimeout("slow")).reply(200, [])
    assert recorder.client().offerings.list() == []
    assert recorder.sleeps == [BACKOFF_BASE]


def test_async_client_retries_with_its_own_sleep(recorder: Recorder) -> None:
    recorder.reply(503).reply(429, headers={"Retry-After": "2"}).reply(200, [{"id": "o1"}])

    async def run() -> list[str | None]:
        async with recorder.async_client() as client:
            return [o.id for o in await client.offerings.current()]

    assert asyncio.run(run()) == ["o1"]
    assert recorder.sleeps == [BACKOFF_BASE, 2.0]


def test_async_connection_error(recorder: Recorder) -> None:
    recorder.fail(httpx.ConnectError("down"))

    async def run() -> None:
        async with recorder.async_client(retry=RetryPolicy(max_retries=0)) as client:
            await client.org.get()

    with pytest.raises(APIConnectionError):
        asyncio.run(run())


def test_dot_only_segments_are_encoded_so_no_url_library_drops_them() -> None:
    from openqualify.client._base import segment

    assert segment("..") == "%2E%2E"
    assert segment(".") == "%2E"
    assert segment("a.b") == "a.b"
    assert segment("a/b@x.io") == "a%2Fb%40x.io"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.users.get(""),
        lambda c: c.offerings.get(""),
        lambda c: c.offerings.users(""),
        lambda c: c.course_mappings.add("o1", ""),
        lambda c: c.assessments.reset_submission("o1", "", "a1"),
        lambda c: c.offerings.add_users("", [{"email": "a@example.com"}]),
    ],
)
def test_empty_path_values_are_refused_before_sending(recorder: Recorder, call: Callable[[Any], Any]) -> None:
    with recorder.client() as client, pytest.raises(ValueError, match="a path value is empty"):
        call(client)

    async def run() -> None:
        async with recorder.async_client() as client:
            pending = call(client)  # an empty value is reported when the call is awaited
            with pytest.raises(ValueError, match=r"/\{empty\}|\{empty\}/"):
                await pending

    asyncio.run(run())
    assert recorder.requests == []
