"""Rate limiting per token: a fixed window of `limit` requests (a minute by default), counted where every worker
sees it.

Every answer of a limited route carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`
(epoch seconds when the window ends); past the limit the request is not run and answers 429
`TooManyRequestsError` with `Retry-After` (seconds). A token is counted as authentication reads it
(`kit.auth.token_key`): every spelling of one token (`Bearer`, `bearer`, no scheme, extra spaces) shares one
count. Requests without a token count against their client address; so do failed authentications, so that a
flood of made-up tokens is refused too: past the limit, an address's requests are refused unless they carry a
token this process has seen succeed (an integration on the
same host as the flood keeps working).

Counters: in process memory (one process), in Redis (`OPENQUALIFY_REDIS_URL`), or in the database's
`rate_limit_windows` table (several workers without Redis). Each counts with one atomic round trip.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openqualify.server.db.models import RateLimitWindow
from openqualify.server.kit.auth import token_key
from openqualify.server.middleware.asgi import send_error
from openqualify.server.observability import metrics

logger = logging.getLogger("openqualify")

DEFAULT_WINDOW_SECONDS = 60
LIMITED_PREFIXES = ("/v1", "/_sandbox", "/console/f/")  # the console's fragments carry the token too
MAX_TRUSTED = 10_000


class Counter(Protocol):
    """Counts hits of a key in a window, atomically across every process that shares it."""

    async def hit(self, key: str, window: int) -> int:
        """Count one hit and return the hits of `key` in `window` so far, this one included."""
        ...

    async def close(self) -> None: ...


class MemoryCounter:
    """One process's counters (the default of a single worker)."""

    def __init__(self) -> None:
        self._hits: dict[tuple[str, int], int] = {}
        self._window = 0

    async def hit(self, key: str, window: int) -> int:
        if window != self._window:  # a new window: the old counts are over
            self._hits = {k: v for k, v in self._hits.items() if k[1] >= window}
            self._window = window
        count = self._hits.get((key, window), 0) + 1
        self._hits[(key, window)] = count
        return count

    async def close(self) -> None:
        return None


class RedisCounter:
    """INCR and EXPIRE in one MULTI round trip; keys disappear with their window."""

    def __init__(self, url: str, window_seconds: int = DEFAULT_WINDOW_SECONDS) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)
        self._ttl = window_seconds * 2

    async def hit(self, key: str, window: int) -> int:
        name = f"openqualify:rl:{key}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, self._ttl, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def ping(self) -> bool:
        return bool(await self._redis.ping())

    async def close(self) -> None:
        await self._redis.aclose()


class DatabaseCounter:
    """An upsert on `rate_limit_windows` (PostgreSQL or SQLite), in a transaction of its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert: Any = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._pruned_window = 0

    async def hit(self, key: str, window: int) -> int:
        table = cast(Table, RateLimitWindow.__table__)
        statement = self._insert(table).values(key=key, window=window, hits=1)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key, table.c.window], set_={"hits": table.c.hits + 1}
        ).returning(table.c.hits)
        async with self._engine.begin() as connection:
            count = (await connection.execute(statement)).scalar_one()
            if window != self._pruned_window:  # once per window and process: drop the windows that are over
                self._pruned_window = window
                await connection.execute(delete(table).where(table.c.window < window - 1))
        return int(count)

    async def close(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # epoch seconds

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }


class RateLimiter:
    def __init__(
        self,
        counter: Counter,
        limit: int,
        window_seconds: int = DEFAULT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.counter = counter
        self.limit = limit
        self.window_seconds = window_seconds
        self.clock = clock
        self._last_failure_log = 0.0

    async def hit(self, key: str) -> Decision:
        now = self.clock()
        window = int(now // self.window_seconds)
        reset_at = (window + 1) * self.window_seconds
        try:
            count = await self.counter.hit(key, window)
        except Exception as error:  # an unreachable counter store must not take the API down: let it through
            metrics.rate_limit_store_failed()
            if now - self._last_failure_log > DEFAULT_WINDOW_SECONDS:
                self._last_failure_log = now
                logger.warning("rate-limit counter unavailable, not limiting: %s", error)
            return Decision(True, self.limit, self.limit, reset_at)
        return Decision(count <= self.limit, self.limit, max(0, self.limit - count), reset_at)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RateLimitMiddleware:
    """Counts each request of the limited routes before it runs; refuses it past the limit.

    `limiter` is asked for each request (it is built with the database engine, in the lifespan).
    """

    def __init__(self, app: ASGIApp, limiter: Callable[[], RateLimiter | None]) -> None:
        self.app = app
        self.get_limiter = limiter
        self._blocked: dict[str, int] = {}  # client address -> epoch second until which its bad tokens are refused
        self._trusted: set[str] = set()  # keys of tokens that authenticated here

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limiter = self.get_limiter()
        if limiter is None or scope["type"] != "http" or not scope["path"].startswith(LIMITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        address = _client_address(scope)
        token = token_key(_header(scope, b"authorization"))
        now = int(limiter.clock())
        key = "t:" + token[:40] if token else "a:" + address
        blocked_until = self._blocked.get(address, 0)
        if blocked_until > now and key not in self._trusted:
            # Too many failed authentications from here: refuse unknown tokens without looking them up.
            metrics.rate_limit_refused("blocked")
            await _refuse(send, Decision(False, limiter.limit, 0, blocked_until), now, limiter.window_seconds)
            return
        decision = await limiter.hit(key)
        if not decision.allowed:
            metrics.rate_limit_refused("limit")
            await _refuse(send, decision, now, limiter.window_seconds)
            return
        extra_headers = [(k.lower().encode(), v.encode()) for k, v in decision.headers().items()]
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), *extra_headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
        if status == 401:
            failures = await limiter.hit("f:" + address)
            if not failures.allowed:
                self._blocked = {a: t for a, t in self._blocked.items() if t > now}
                self._blocked[address] = failures.reset_at
        elif token and status and key not in self._trusted:
            if len(self._trusted) >= MAX_TRUSTED:  # bounded: forget them all, they are learnt again
                self._trusted.clear()
            self._trusted.add(key)


def window_text(seconds: int) -> str:
    """`minute`, `hour`, `10 seconds`: the window as the 429 names it."""
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds == length:
            return unit
        if seconds % length == 0:
            return f"{seconds // length} {unit}s"
    return "second" if seconds == 1 else f"{seconds} seconds"


async def _refuse(send: Send, decision: Decision, now: int, window_seconds: int) -> None:
    retry_after = max(1, decision.reset_at - now)
    details = (
        f"Rate limit of {decision.limit} requests per {window_text(window_seconds)} exceeded: "
        f"retry after {retry_after} s."
    )
    headers = {**decision.headers(), "Retry-After": str(retry_after)}
    await send_error(send, 429, "TooManyRequestsError", details, headers)


def build_counter(
    backend: str, *, engine: AsyncEngine, redis_url: str | None, workers: int, window_seconds: int
) -> Counter:
    """The counter store for `OPENQUALIFY_RATE_LIMIT_BACKEND` (`auto` picks what every worker can share)."""
    if backend == "auto":
        if redis_url:
            backend = "redis"
        elif workers <= 1 and engine.dialect.name == "sqlite":
            backend = "memory"  # one process on a local file: nothing else to share with
        else:
            backend = "database"
    if backend == "redis":
        if not redis_url:
            raise ValueError("OPENQUALIFY_RATE_LIMIT_BACKEND=redis needs OPENQUALIFY_REDIS_URL")
        return RedisCounter(redis_url, window_seconds)
    if backend == "database":
        return DatabaseCounter(engine)
    return MemoryCounter()
