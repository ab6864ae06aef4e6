"""The mirror's reads (`mirror.fetch`): retries that honour 429's `Retry-After`, back-off on 5xx, a stop on other
4xx, at most `concurrency` reads in flight, answers kept so that a rerun reads nothing again, paths sent as
quoted, the environment's proxy. Against a small aiohttp server on loopback; waits are recorded, not slept."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from openqualify.server.mirror.fetch import (
    MAX_ATTEMPTS,
    RETRY_AFTER_CAP_S,
    AnswerStore,
    Fetcher,
    MirrorReadError,
    _env_proxy,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Source:
    """A loopback server answering every GET with `handler`, counting the requests per raw path."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.seen: list[str] = []

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(request.raw_path)
        return await self.handler(request)

    async def run(self, work: Callable[[str], Awaitable[Any]]) -> Any:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._answer)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        try:
            return await work(str(server.make_url("/v1")))
        finally:
            await server.close()


def fetcher(url: str, store: AnswerStore, waits: list[float] | None = None, **options: Any) -> Fetcher:
    async def sleep(seconds: float) -> None:
        if waits is not None:
            waits.append(seconds)

    return Fetcher(url, "token", store, sleep=sleep, **options)


@pytest.fixture
def store(tmp_path: Path) -> AnswerStore:
    return AnswerStore(tmp_path / "state.sqlite")


def test_429_waits_for_its_retry_after_then_reads_again(store: AnswerStore) -> None:
    calls = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return web.json_response({"name": "TooManyRequestsError"}, status=429, headers={"Retry-After": "7"})
        if calls == 2:
            return web.json_response({}, status=429, headers={"Retry-After": "3600"})  # capped
        return web.json_response({"id": "u1", "auth": request.headers["Authorization"]})

    async def work(url: str) -> tuple[Any, Fetcher]:
        reader = fetcher(url, store, waits)
        try:
            return await reader.get("/users/a@example.com"), reader
        finally:
            await reader.close()

    waits: list[float] = []
    answer, reader = asyncio.run(Source(handler).run(work))
    assert answer == {"id": "u1", "auth": "Bearer token"}
    assert waits == [7.0, RETRY_AFTER_CAP_S]
    assert (reader.requests, reader.retries) == (3, 2)


def test_5xx_backs_off_and_gives_up_after_the_last_attempt(store: AnswerStore) -> None:
    async def handler(_request: web.Request) -> web.Response:
        return web.json_response({"name": "InternalServerError"}, status=503)

    async def work(url: str) -> None:
        reader = fetcher(url, store, waits)
        try:
            await reader.get("/offerings")
        finally:
            await reader.close()

    waits: list[float] = []
    source = Source(handler)
    with pytest.raises(MirrorReadError, match=r"GET /offerings: gave up after 6 attempts \(503 "):
        asyncio.run(source.run(work))
    assert len(source.seen) == MAX_ATTEMPTS
    assert len(waits) == MAX_ATTEMPTS - 1
    assert all(0.25 * 2**n <= wait <= 0.5 * 2**n for n, wait in enumerate(waits))  # doubling, jittered
    assert store.get("/offerings") is None  # a failure is not an answer: a rerun reads it again


def test_a_stalled_answer_times_out_and_is_read_again(store: AnswerStore) -> None:
    calls = 0

    async def handler(_request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.sleep(2)  # nothing comes for longer than the read timeout
        return web.json_response([])

    async def work(url: str) -> Any:
        reader = fetcher(url, store, waits, timeout=0.2)
        try:
            return await reader.get("/offerings")
        finally:
            await reader.close()

    waits: list[float] = []
    assert asyncio.run(Source(handler).run(work)) == []
    assert calls == 2 and len(waits) == 1 and 0.25 <= waits[0] <= 0.5


def test_another_4xx_stops_at_once_and_404_is_an_answer(store: AnswerStore) -> None:
    async def handler(request: web.Request) -> web.Response:
        if request.path.endswith("/gone"):
            return web.json_response({"name": "NotFoundError"}, status=404)
        if request.path.endswith("/not-a-group"):
            return web.json_response({"name": "InvalidGroupChannelError"}, status=400)
        return web.json_response({"name": "UnauthorizedError"}, status=403)

    async def work(url: str) -> tuple[Any, Any]:
        reader = fetcher(url, store, waits)
        try:
            found = await reader.get("/gone"), await reader.get("/not-a-group", tolerate=frozenset({400}))
            with pytest.raises(MirrorReadError, match="GET /org: 403 "):
                await reader.get("/org")
            return found
        finally:
            await reader.close()

    waits: list[float] = []
    assert asyncio.run(Source(handler).run(work)) == (None, None)
    assert waits == []
    assert store.get("/gone") == (404, b'{"name": "NotFoundError"}')


def test_at_most_concurrency_reads_are_in_flight(store: AnswerStore) -> None:
    in_flight = peak = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return web.json_response({"path": request.path})

    async def work(url: str) -> list[Any]:
        reader = fetcher(url, store, concurrency=4)
        try:
            return await asyncio.gather(*(reader.get(f"/users/{n}") for n in range(40)))
        finally:
            await reader.close()

    answers = asyncio.run(Source(handler).run(work))
    assert answers == [{"path": f"/v1/users/{n}"} for n in range(40)]
    assert peak == 4


def test_kept_answers_are_not_read_again(store: AnswerStore) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"path": request.raw_path})

    counted: list[bool] = []

    async def work(url: str) -> list[Any]:
        found = []
        for _ in range(2):  # an interrupted run, then the same command again
            reader = fetcher(url, store, on_read=counted.append)
            try:
                found.append(await reader.get("/users/a%2Bb@example.com"))
            finally:
                await reader.close()
        return found

    source = Source(handler)
    first, second = asyncio.run(source.run(work))
    assert first == second == {"path": "/v1/users/a%2Bb@example.com"}  # the path as quoted, not re-encoded
    assert source.seen == ["/v1/users/a%2Bb@example.com"]
    assert counted == [False, True]


def test_the_environments_proxy_is_used_unless_the_host_is_excluded(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert _env_proxy("https://api.iqualify.com/v1") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert _env_proxy("https://api.iqualify.com/v1") == "http://proxy.internal:3128"
    assert _env_proxy("http://api.iqualify.com/v1") is None
    monkeypatch.setenv("NO_PROXY", "iqualify.com")
    assert _env_proxy("https://api.iqualify.com/v1") is None
