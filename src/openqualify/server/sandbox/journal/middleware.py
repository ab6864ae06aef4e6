"""Records each `/v1` and `/_sandbox` request of an authenticated organisation into the journal.

Bodies are kept up to the store's byte cap (the rest is counted, not kept); the Authorization, Cookie and
Proxy-Authorization headers are never kept. Each entry has the request's id (`X-Request-Id`), as the answer and
the log lines of the request have it.
"""

from __future__ import annotations

import contextlib
import json
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openqualify.server.observability.requestid import current_request_id
from openqualify.server.sandbox.journal.store import JournalStore

JOURNALED_PREFIXES = ("/v1", "/_sandbox")
UNJOURNALED_PATHS = frozenset({"/_sandbox/requests"})  # reading the journal does not fill it
SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


class _Body:
    """A body kept up to `cap` bytes, with its full length."""

    __slots__ = ("cap", "chunks", "kept", "length")

    def __init__(self, cap: int) -> None:
        self.cap, self.kept, self.length = cap, 0, 0
        self.chunks: list[bytes] = []

    def feed(self, chunk: bytes) -> None:
        self.length += len(chunk)
        room = self.cap - self.kept
        if room > 0 and chunk:
            self.chunks.append(chunk[:room])
            self.kept += min(room, len(chunk))

    def render(self, content_type: str | None) -> dict[str, Any]:
        raw = b"".join(self.chunks)
        truncated = self.length > self.kept
        body: Any = None
        if raw:
            text = raw.decode("utf-8", errors="replace")
            body = text
            if not truncated and content_type and "json" in content_type:
                with contextlib.suppress(ValueError):
                    body = json.loads(raw)
        return {"contentType": content_type, "body": body, "bodyBytes": self.length, "truncated": truncated}


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    return {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in raw
        if name.decode("latin-1").lower() not in SECRET_HEADERS
    }


class Exchange:
    """One request and its answer as they passed, turned into the journal's JSON only when someone reads it
    (most requests are never read back: recording must cost the request little)."""

    __slots__ = (
        "at", "duration_ms", "fault", "method", "path", "query", "request_body", "request_headers", "request_id",
        "response_body", "response_headers", "status",
    )

    def __init__(self, scope: Scope, at: float, body_cap: int) -> None:
        # What the journal shows of the request, by reference (the scope itself holds far more, e.g. the app)
        self.method: str = scope["method"]
        self.path: bytes = scope.get("raw_path") or scope["path"].encode()
        self.query: bytes = scope.get("query_string", b"")
        self.request_headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        self.at = at
        self.request_id = current_request_id()
        self.status = 500  # what the client gets if the app fails before it starts a response
        self.duration_ms = 0.0
        self.request_body = _Body(body_cap)
        self.response_body = _Body(body_cap)
        self.response_headers: list[tuple[bytes, bytes]] = []
        self.fault: Any = None  # a sandbox fault injected into this request (`sandbox.faults.middleware.Fault`)

    def summary(self) -> dict[str, Any]:
        at = datetime.fromtimestamp(self.at, UTC)
        entry: dict[str, Any] = {
            "at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": self.method,
            "path": self.path.decode("latin-1"),
            "query": self.query.decode("latin-1"),
            "status": self.status,
            "durationMs": self.duration_ms,
            "requestId": self.request_id,
        }
        if self.fault is not None:
            entry["fault"] = self.fault.render()
        return entry

    def render(self) -> dict[str, Any]:
        request_headers = _headers(self.request_headers)
        response_headers = _headers(self.response_headers)
        return {
            **self.summary(),
            "request": {"headers": request_headers, **self.request_body.render(request_headers.get("content-type"))},
            "response": {
                "headers": response_headers,
                **self.response_body.render(response_headers.get("content-type")),
            },
        }


class JournalMiddleware:
    def __init__(self, app: ASGIApp, store: JournalStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not path.startswith(JOURNALED_PREFIXES)
            or path.rstrip("/") in UNJOURNALED_PATHS
            or self.store.size <= 0
        ):
            await self.app(scope, receive, send)
            return
        exchange = Exchange(scope, time.time(), self.store.body_bytes)
        started = time.perf_counter()
        state = scope.setdefault("state", {})

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                exchange.request_body.feed(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
                exchange.response_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                exchange.response_body.feed(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, recording_receive, recording_send)
        finally:
            org_id = state.get("org_id")
            if org_id is not None:
                if (fault := state.get("fault")) is not None:
                    exchange.fault = fault
                    exchange.status = fault.client_status(exchange.status)
                exchange.duration_ms = round((time.perf_counter() - started) * 1000, 1)
                self.store.add(org_id, exchange)
