"""Small pieces for pure-ASGI layers: reading and replaying a body, answering a flat error."""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from starlette.types import Message, Receive, Send


class BodyTooLarge(Exception):
    """The body grew past the cap while it was read."""


async def read_body(receive: Receive, limit: int | None = None) -> bytes | None:
    """The whole body; None if the client went away first. Raises `BodyTooLarge` past `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A receive channel that gives the kept body once, then the real channel (for disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def send_error(
    send: Send, status: int, name: str, details: str, headers: Mapping[str, str] | None = None
) -> None:
    """A flat `{name, details}` answer straight from ASGI (for layers in front of the app)."""
    body = orjson.dumps({"name": name, "details": details})
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
