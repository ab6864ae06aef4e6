"""Records each `/v1` and `/_sandbox` request of an authenticated organisation into the journal.

Bodies are kept up to the store's byte cap (the rest is counted, not kept); the Authorization, Cookie and
Proxy-Authorization headers are never kept.
"""

from __future__ import annotations

import contextlib
import json
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openqualify.server.sandbox.journal.store import JournalStore

JOURNALED_PREFIXES = ("/v1", "/_sandbox")
UNJOURNALED_PATHS = frozenset({"/_sandbox/requests"})  # reading the journal does not fill it
SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


class _Body:
    """A body kept up to `cap` bytes, with its full length."""

    __slots__ = ("cap", "chunks", "kept", "length")

    def __init__(self, cap: int) -> None:
        self.cap, self.chunks, self.kept, self.length = cap, [], 0, 0

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
        at = datetime.now(UTC)
        started = time.perf_counter()
        state = scope.setdefault("state", {})
        request_body, response_body = _Body(self.store.body_bytes), _Body(self.store.body_bytes)
        response: dict[str, Any] = {"status": 500, "headers": {}}

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request_body.feed(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = _headers(message.get("headers", []))
            elif message["type"] == "http.response.body":
                response_body.feed(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, recording_receive, recording_send)
        finally:
            org_id = state.get("org_id")
            if org_id is not None:
                request_headers = _headers(scope.get("headers", []))
                self.store.add(
                    org_id,
                    {
                        "at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                        "method": scope["method"],
                        "path": scope.get("raw_path", path.encode()).decode("latin-1"),
                        "query": scope.get("query_string", b"").decode("latin-1"),
                        "status": response["status"],
                        "durationMs": round((time.perf_counter() - started) * 1000, 1),
                        "request": {
                            "headers": request_headers,
                            **request_body.render(request_headers.get("content-type")),
                        },
                        "response": {
                            "headers": response["headers"],
                            **response_body.render(response["headers"].get("content-type")),
                        },
                    },
                )
