"""A recording `httpx.MockTransport` and clients built on it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from openqualify.client import AsyncClient, Client, RetryPolicy

BASE_URL = "http://api.test/v1"
TOKEN = "secret-token"


class Recorder:
    """Answers requests from a queue of responses (the last one repeats) and keeps every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.responses: list[httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]] = []
        self.sleeps: list[float] = []

    def reply(self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> Recorder:
        content = b"" if body is None else json.dumps(body).encode()
        self.responses.append(httpx.Response(status, content=content, headers=headers))
        return self

    def fail(self, error: Exception) -> Recorder:
        self.responses.append(error)
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.responses[min(len(self.requests), len(self.responses)) - 1] if self.responses else None
        if answer is None:
            return httpx.Response(204)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def client(self, retry: RetryPolicy | None = None, **kwargs: Any) -> Client:
        return Client(
            base_url=BASE_URL,
            token=TOKEN,
            transport=httpx.MockTransport(self.handle),
            retry=retry or RetryPolicy(jitter=False),
            sleep=self.sleeps.append,
            **kwargs,
        )

    def async_client(self, retry: RetryPolicy | None = None) -> AsyncClient:
        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        return AsyncClient(
            base_url=BASE_URL,
            token=TOKEN,
            transport=httpx.MockTransport(self.ahandle),
            retry=retry or RetryPolicy(jitter=False),
            sleep=sleep,
        )


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None
