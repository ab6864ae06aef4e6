"""Caps on what a client can make large: the request line and the body, checked before the app sees them.

A body whose `Content-Length` is over the cap is refused before a byte of it is read; a body sent without a
length (chunked) is read only up to the cap. Both answer 413 with the contract's flat body, and the connection
stays open while the HTTP layer reads and drops the rest of the body (a bounded lingering close,
`kit.protocol`), so clients that send their whole body before reading see the 413. An over-long URL is a 400
`SchemaValidationError`, as any bad input. Bulk item counts are capped where the items are parsed
(`kit.validation.check_bulk_size`).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import Receive, Scope, Send

from openqualify.server.middleware.asgi import BodyTooLarge, read_body, replay_body, send_error
from openqualify.server.observability import metrics


class RequestCaps:
    """The caps of one application (`middleware.request_head` applies them to every HTTP request)."""

    def __init__(
        self, *, max_body_bytes: int, max_url_bytes: int, body_limit_overrides: Mapping[str, int] | None = None
    ) -> None:
        self.max_body_bytes = max_body_bytes
        self.max_url_bytes = max_url_bytes
        self.overrides = dict(body_limit_overrides or {})

    async def admit(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """The request's body channel if it is within the caps (a body sent without a length is read, up to the
        cap, and replayed); None once it has been refused (answered) or its client went away."""
        url_bytes = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        if url_bytes > self.max_url_bytes:
            details = f"request URL should NOT be longer than {self.max_url_bytes} bytes"
            metrics.request_refused("url_too_long")
            await send_error(send, 400, "SchemaValidationError", details)
            return None
        limit = self.overrides.get(scope["path"], self.max_body_bytes)
        declared, chunked = _body_headers(scope)
        if declared is not None and declared > limit:
            await _too_large(send, limit)
            return None
        if declared is not None or not chunked:  # the HTTP server holds the client to its length
            return receive
        try:
            body = await read_body(receive, limit)
        except BodyTooLarge:
            await _too_large(send, limit)
            return None
        if body is None:  # the client went away
            return None
        return replay_body(body, receive)


async def _too_large(send: Send, limit: int) -> None:
    metrics.request_refused("body_too_large")
    details = f"request body should NOT be larger than {limit} bytes"
    await send_error(send, 413, "SchemaValidationError", details)


def _body_headers(scope: Scope) -> tuple[int | None, bool]:
    """The first `Content-Length` (None if absent or not a number) and whether a `Transfer-Encoding` is sent, in one
    pass over the headers."""
    length: int | None = None
    seen_length = chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length" and not seen_length:
            seen_length = True
            try:
                length = int(value)
            except ValueError:
                length = None
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked
