"""Transport core shared by `Client` and `AsyncClient`: configuration, retries, error mapping, decoding.

The retry policy lives here as named constants and nowhere else:

* connection failures and timeouts are retried for idempotent methods; for any method when the
  connection could not even be opened (the request never left the machine);
* `429` is retried for every method (a rate-limited request was not processed);
* `500`, `502`, `503`, `504` are retried for idempotent methods only (`GET`, `PUT`, `DELETE`, `HEAD`,
  `OPTIONS`), since a `POST` or `PATCH` may already have taken effect;
* a `Retry-After` header (seconds or HTTP-date) sets the wait, up to `RETRY_AFTER_CAP` seconds;
* the delay otherwise grows as `BACKOFF_BASE * 2**attempt`, capped at `BACKOFF_CAP`, with jitter.
"""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter

from ._errors import APIConnectionError, APITimeoutError, error_from_response

T = TypeVar("T")

ENV_BASE_URL = "OPENQUALIFY_BASE_URL"
ENV_TOKEN = "OPENQUALIFY_TOKEN"
DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
IQUALIFY_BASE_URL = "https://api.iqualify.com/v1"

DEFAULT_TIMEOUT = 30.0  # seconds, for read/write/pool
DEFAULT_CONNECT_TIMEOUT = 10.0
MAX_RETRIES = 3  # retries after the first attempt
BACKOFF_BASE = 0.5  # seconds
BACKOFF_CAP = 8.0
RETRY_AFTER_CAP = 60.0
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD", "OPTIONS"})
RETRY_ANY_METHOD_STATUSES = frozenset({429})  # the server did not act on the request
RETRY_IDEMPOTENT_STATUSES = frozenset({500, 502, 503, 504})

USER_AGENT = "openqualify-python"

Handler = Callable[[httpx.Response], T]


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before sending a request again; defaults are the module constants."""

    max_retries: int = MAX_RETRIES
    backoff_base: float = BACKOFF_BASE
    backoff_cap: float = BACKOFF_CAP
    retry_after_cap: float = RETRY_AFTER_CAP
    jitter: bool = True
    idempotent_methods: frozenset[str] = IDEMPOTENT_METHODS
    any_method_statuses: frozenset[int] = RETRY_ANY_METHOD_STATUSES
    idempotent_statuses: frozenset[int] = RETRY_IDEMPOTENT_STATUSES

    def should_retry_status(self, method: str, status: int) -> bool:
        if status in self.any_method_statuses:
            return True
        return status in self.idempotent_statuses and method in self.idempotent_methods

    def should_retry_error(self, method: str, exc: httpx.TransportError) -> bool:
        # A failed connect means nothing was sent, so even a POST is safe to repeat.
        return method in self.idempotent_methods or isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        """Seconds to wait before retry number `attempt + 1` (attempt counts from 0)."""
        if response is not None:
            after = retry_after_seconds(response.headers.get("Retry-After"))
            if after is not None:
                return min(after, self.retry_after_cap)
        backoff = min(self.backoff_cap, self.backoff_base * (2.0**attempt))
        return backoff * (0.5 + random.random() / 2) if self.jitter else backoff


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Parse a `Retry-After` header (delta-seconds or HTTP-date) into seconds; None if absent or invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def segment(value: str) -> str:
    """Percent-encode one path segment: `@` becomes `%40`, `/` becomes `%2F`.

    A segment that is only dots (`.`, `..`) is sent as `%2E`s: httpx (like any URL library) would otherwise
    remove it as a relative path step, and the request would reach another endpoint.
    """
    encoded = quote(str(value), safe="")
    return encoded.replace(".", "%2E") if encoded and not encoded.strip(".") else encoded


def bool_param(value: bool | None) -> str | None:
    """Booleans travel in query strings as the strings `true` / `false`."""
    return None if value is None else ("true" if value else "false")


@lru_cache(maxsize=256)
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def decode(response: httpx.Response, into: Any) -> Any:
    """Validate a successful response's JSON as `into`; `None` means the answer has no useful body."""
    if into is None:
        return None
    return _adapter(into).validate_json(response.content or b"null")


@dataclass
class Settings:
    """Resolved connection settings; explicit arguments win over the environment."""

    base_url: str
    token: str | None
    timeout: httpx.Timeout
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def resolve(
        cls,
        base_url: str | None,
        token: str | None,
        timeout: float | httpx.Timeout | None,
        retry: RetryPolicy | None,
        headers: Mapping[str, str] | None,
    ) -> Settings:
        url = (base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL).rstrip("/")
        tok = token if token is not None else os.environ.get(ENV_TOKEN) or None
        if not isinstance(timeout, httpx.Timeout):
            seconds = DEFAULT_TIMEOUT if timeout is None else timeout
            timeout = httpx.Timeout(seconds, connect=min(seconds, DEFAULT_CONNECT_TIMEOUT))
        all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if tok:
            all_headers["Authorization"] = f"Bearer {tok}"
        all_headers.update(headers or {})
        return cls(url, tok, timeout, retry or RetryPolicy(), all_headers)


def _connection_error(exc: httpx.TransportError, method: str, url: str) -> APIConnectionError:
    kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    return kind(f"{method} {url} failed: {exc or type(exc).__name__}", cause=exc)


def _finish(response: httpx.Response, into: Any, handler: Handler[Any] | None) -> Any:
    if handler is not None:
        return handler(response)
    if response.is_success:
        return decode(response, into)
    raise error_from_response(response)


class _Transport:
    """What both transports share: request arguments and the retry decision."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _arguments(self, method: str, url: str, params: Mapping[str, Any] | None, json: Any) -> dict[str, Any]:
        return {
            "method": method,
            "url": self.settings.base_url + url,
            "params": _clean(params),
            "json": json,
            "headers": self.settings.headers,
            "timeout": self.settings.timeout,
        }

    def _retry_delay(
        self,
        method: str,
        attempt: int,
        *,
        response: httpx.Response | None = None,
        error: httpx.TransportError | None = None,
    ) -> float | None:
        """Seconds to wait before trying again, or None to stop here."""
        policy = self.settings.retry
        if attempt >= policy.max_retries:
            return None
        if error is not None:
            return policy.delay(attempt) if policy.should_retry_error(method, error) else None
        if response is not None and policy.should_retry_status(method, response.status_code):
            return policy.delay(attempt, response)
        return None


class SyncTransport(_Transport):
    """Sends requests through an `httpx.Client` with the retry policy applied."""

    def __init__(self, settings: Settings, http: httpx.Client, sleep: Callable[[float], None]) -> None:
        super().__init__(settings)
        self.http = http
        self.sleep = sleep

    def request(
        self,
        method: str,
        url: str,
        *,
        into: Any = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        handler: Handler[Any] | None = None,
    ) -> Any:
        arguments = self._arguments(method, url, params, json)
        for attempt in itertools.count():
            try:
                response = self.http.request(**arguments)
            except httpx.TransportError as exc:
                delay = self._retry_delay(method, attempt, error=exc)
                if delay is None:
                    raise _connection_error(exc, method, url) from exc
            else:
                delay = self._retry_delay(method, attempt, response=response)
                if delay is None:
                    return _finish(response, into, handler)
                response.close()
            self.sleep(delay)
        raise AssertionError("unreachable")


class AsyncTransport(_Transport):
    """The asynchronous twin of `SyncTransport`, over `httpx.AsyncClient`."""

    def __init__(
        self, settings: Settings, http: httpx.AsyncClient, sleep: Callable[[float], Awaitable[None]]
    ) -> None:
        super().__init__(settings)
        self.http = http
        self.sleep = sleep

    async def request(
        self,
        method: str,
        url: str,
        *,
        into: Any = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        handler: Handler[Any] | None = None,
    ) -> Any:
        arguments = self._arguments(method, url, params, json)
        for attempt in itertools.count():
            try:
                response = await self.http.request(**arguments)
            except httpx.TransportError as exc:
                delay = self._retry_delay(method, attempt, error=exc)
                if delay is None:
                    raise _connection_error(exc, method, url) from exc
            else:
                delay = self._retry_delay(method, attempt, response=response)
                if delay is None:
                    return _finish(response, into, handler)
                await response.aclose()
            await self.sleep(delay)
        raise AssertionError("unreachable")


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Drop unset query parameters so the server applies its own defaults."""
    if not params:
        return None
    return {k: v for k, v in params.items() if v is not None} or None


def default_sync_sleep(seconds: float) -> None:
    time.sleep(seconds)


async def default_async_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)

