"""The request id: the caller's `X-Request-Id` when it is sane, else a new one; on every answer and log line.

An id the caller sends is kept when it is 1 to 128 characters of letters, digits and `-_.:~+/=@` (UUIDs, ULIDs,
hex trace ids, base64): anything else (spaces, quotes, control characters, a header repeated) is replaced by a
new id, so that an id can be written into a log line or a header as it is. New ids are 32 hex characters (128
random bits).
"""

from __future__ import annotations

import logging
import os
import re
from contextvars import ContextVar

HEADER = b"x-request-id"
MAX_LENGTH = 128
_SANE = re.compile(rb"[A-Za-z0-9._:~+/=@-]{1,%d}" % MAX_LENGTH)

request_id: ContextVar[str | None] = ContextVar("openqualify_request_id", default=None)
"""The id of the request being served (None outside a request)."""


class _RandomBytes:
    """The operating system's random bytes, drawn 4 KiB at a time (one system call per 256 ids instead of one per
    id); a forked child draws its own."""

    SIZE = 4096

    def __init__(self) -> None:
        self._bytes = b""
        self._at = 0

    def take(self, count: int) -> bytes:
        at = self._at
        if at + count > len(self._bytes):
            self._bytes, at = os.urandom(self.SIZE), 0
        self._at = at + count
        return self._bytes[at : at + count]

    def forget(self) -> None:
        self._bytes, self._at = b"", 0


_RANDOM = _RandomBytes()
os.register_at_fork(after_in_child=_RANDOM.forget)


def new_request_id() -> str:
    return _RANDOM.take(16).hex()


def from_headers(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The caller's id if it sent exactly one sane `X-Request-Id`."""
    found: bytes | None = None
    for name, value in headers:
        if name == HEADER:
            if found is not None:
                return None  # two ids: neither is the request's
            found = value
    if found is None or _SANE.fullmatch(found) is None:
        return None
    return found.decode("ascii")


def current_request_id() -> str | None:
    return request_id.get()


class RequestIdFilter(logging.Filter):
    """Adds the request's id to every record written while a request is served.

    `request_id` (for the JSON format) is set only inside a request; `request_tag` (for the text format) is
    ` [<id>]` inside a request and empty outside one, so lines outside requests keep their shape.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        rid = request_id.get()
        if rid is None:
            record.request_tag = ""
        else:
            record.request_id = rid
            record.request_tag = f" [{rid}]"
        return True
