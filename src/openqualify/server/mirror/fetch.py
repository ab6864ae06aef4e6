"""Reading an organisation through the public API: bounded concurrency, retries that honour 429's `Retry-After`,
and every answer kept in a state file so that an interrupted mirror resumes where it stopped.

The state file is SQLite (`answers(key, status, body)`), one per source and organisation; a key is the method-less
path and query (every read is a GET). Answers are kept as they came (JSON bytes), so a resumed run maps exactly
what a complete run would have mapped.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from urllib.request import getproxies, proxy_bypass

import aiohttp
import orjson
from yarl import URL

MAX_ATTEMPTS = 6
RETRY_AFTER_CAP_S = 60.0
BACKOFF_BASE_S = 0.5
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


class MirrorReadError(Exception):
    """A read failed for good (a 4xx other than 404 and 429, or retries exhausted)."""


class AnswerStore:
    """Answers already read, in a SQLite file (the resume point)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # no fsync per answer; a killed process loses none
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, status INTEGER, body BLOB)")
        self._db.execute("CREATE TABLE IF NOT EXISTS facts (name TEXT PRIMARY KEY, value TEXT)")

    def get(self, key: str) -> tuple[int, bytes] | None:
        row = self._db.execute("SELECT status, body FROM answers WHERE key = ?", (key,)).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def put(self, key: str, status: int, body: bytes) -> None:
        self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?)", (key, status, body))

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM answers").fetchone()[0])

    def fact(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM facts WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_fact(self, name: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO facts VALUES (?, ?)", (name, value))

    def close(self) -> None:
        self._db.close()


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return min(max(float(value), 0.0), RETRY_AFTER_CAP_S)
    except ValueError:
        return None


def _env_proxy(base_url: str) -> str | None:
    """The proxy the environment names for the source (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`), as httpx used
    it; looked up once: aiohttp's `trust_env` looks it up again for every request, on a thread."""
    url = URL(base_url)
    if not url.host or proxy_bypass(url.host):
        return None
    return getproxies().get(url.scheme)


def _backoff(attempt: int) -> float:
    return BACKOFF_BASE_S * 2.0**attempt * (0.5 + random.random() / 2)


class Fetcher:
    """GETs against `base_url` (ending in /v1) with the organisation's token, at most `concurrency` at a time.

    One aiohttp session whose pool keeps at most `concurrency` keep-alive connections, and a semaphore of as many
    slots around each attempt (the bound on reads in flight; a read waiting to retry holds none). aiohttp rather
    than httpx (docs/decisions.md T28, as the Event hub's deliveries, E22): a read cost about 1 ms of the mirror's
    CPU with httpx, a quarter of that with aiohttp, and on a shared machine the mirror's CPU is its speed.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        store: AnswerStore,
        *,
        concurrency: int = 16,
        timeout: float = 120.0,
        on_read: Callable[[bool], None] | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.store = store
        self._token = token
        self._concurrency = concurrency
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxy = _env_proxy(self.base_url)
        self._slots = asyncio.Semaphore(concurrency)
        self._on_read = on_read or (lambda _cached: None)
        self._sleep = sleep
        self.requests = 0  # sent over the network (retries included)
        self.retries = 0

    def _client(self) -> aiohttp.ClientSession:
        """The session, made on first use (inside the running event loop)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._concurrency, limit_per_host=0),
                headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json",
                         "User-Agent": "openqualify-mirror"},
                # As httpx had it: a connection within 10 s, then at most `timeout` between bytes, however long the
                # whole answer takes.
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10.0, sock_read=self._timeout),
                trust_env=False,  # the environment's proxy is `self._proxy`
                cookie_jar=aiohttp.DummyCookieJar(),
            )  # fmt: skip
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def get(self, path: str, params: dict[str, Any] | None = None, tolerate: frozenset[int] = frozenset()) -> Any:
        """The decoded answer; None for a 404 (the thing is gone or not visible) or a status in `tolerate`."""
        key = path + ("?" + urlencode(sorted(params.items())) if params else "")
        cached = self.store.get(key)
        if cached is None:
            status, body = await self._read(key, tolerate)
            self.store.put(key, status, body)
            self._on_read(False)
        else:
            status, body = cached
            self._on_read(True)
        return None if status == 404 or status in tolerate else orjson.loads(body)

    async def _read(self, key: str, tolerate: frozenset[int]) -> tuple[int, bytes]:
        url = URL(self.base_url + key, encoded=True)  # paths are quoted by the caller, the query by `get`
        failure = ""
        for attempt in range(MAX_ATTEMPTS):
            async with self._slots:
                self.requests += 1
                try:
                    async with self._client().get(url, allow_redirects=False, proxy=self._proxy) as response:
                        status = response.status
                        body = await response.read()
                        retry_after = _retry_after(response.headers)
                except (aiohttp.ClientError, TimeoutError) as error:
                    failure = f"{type(error).__name__}: {error}"
                    wait = _backoff(attempt)
                else:
                    if status < 400 or status == 404 or status in tolerate:
                        return status, body
                    failure = f"{status} {body[:300].decode(errors='replace')}"
                    if status not in RETRIED_STATUSES:
                        raise MirrorReadError(f"GET {key}: {failure}")
                    wait = retry_after or _backoff(attempt)
            if attempt + 1 < MAX_ATTEMPTS:
                self.retries += 1
                await self._sleep(wait)  # outside the slot: a waiting read holds none
        raise MirrorReadError(f"GET {key}: gave up after {MAX_ATTEMPTS} attempts ({failure})")
