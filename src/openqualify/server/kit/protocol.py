"""The HTTP/1.1 connection: uvicorn's httptools protocol with bounds on the request head and a lingering discard.

uvicorn's httptools protocol (the fast one `uvicorn[standard]` brings) puts no bound on a request's head: a 50 MB
header line was read whole, and a client that stops in the middle of its headers, or never says anything, kept
its connection for ever (issue 19.8). Here, per connection:

- the head (request line and headers) may hold `OPENQUALIFY_MAX_HEADER_BYTES`; past it the answer is 431 and the
  connection closes. Bytes are counted as they arrive, so a connection never buffers more than the cap and one
  read of the socket;
- the head must be complete within `OPENQUALIFY_HEADER_TIMEOUT_SECONDS` of the connection opening or of the
  request's first byte; a connection that is silent or slow for longer is closed (with a 408 once it started a
  request). Between requests, uvicorn's keep-alive timeout (`OPENQUALIFY_KEEP_ALIVE_SECONDS`) closes idle
  connections;
- an answer sent before its request's body arrived (413 over the cap, 401 before the body is read, 429) leaves
  the connection open while the rest of the body is read and thrown away, up to `OPENQUALIFY_LINGER_BYTES` or
  `OPENQUALIFY_LINGER_SECONDS`, as nginx's lingering close does: a client that writes its whole body before it
  reads (Python's http.client, urllib, requests) then sees the answer instead of a reset connection, and the
  connection serves its next request.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from openqualify.server.config import get_settings
from openqualify.server.observability import metrics
from openqualify.server.observability.requestid import new_request_id

HEAD_OVERHEAD = 16  # method, version and line ends of the request line


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.max_head_bytes = settings.max_header_bytes
        self.head_timeout = settings.header_timeout_seconds
        self.linger_bytes = settings.linger_bytes
        self.linger_seconds = settings.linger_seconds
        self._in_head = False  # between a request's first byte and the end of its headers
        self._head_bytes = 0
        self._began_in_this_read = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_deadline: float | None = None  # (loop time) by which the pending head must be complete
        self._body_complete = True  # the current request's body has arrived whole
        self._discarded = 0
        self._linger_timer: asyncio.TimerHandle | None = None
        self._close_after_body = False

    # Connection events
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()  # a connection that never says anything is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        was_in_head = self._in_head
        self._began_in_this_read = False
        super().data_received(data)
        if not self._in_head or self.transport.is_closing():
            return
        if was_in_head or not self._began_in_this_read:
            self._head_bytes += len(data)
        # (A head that began within this read is counted from the next one: at most one read's worth unseen.)
        if self._head_bytes > self.max_head_bytes:
            self._refuse_head(431, f"request headers should NOT be larger than {self.max_head_bytes} bytes")

    # Parser callbacks
    # Once a head is refused the connection is closing: what the parser still finds in the last read is ignored.
    def on_message_begin(self) -> None:
        if self.transport.is_closing():
            return
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = 0
        self._began_in_this_read = True
        self._body_complete = False
        self._discarded = 0
        if self._head_deadline is None:
            self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        if not self.transport.is_closing():
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.transport.is_closing():
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self.transport.is_closing():
            return
        self._in_head = False
        self._head_deadline = None  # (its timer, if still armed, finds nothing to do: `_head_timer_fired`)
        size = HEAD_OVERHEAD + len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.max_head_bytes:
            self._refuse_head(431, f"request headers should NOT be larger than {self.max_head_bytes} bytes")
            return  # no request is run for this head
        super().on_headers_complete()
        if self.cycle is not None:
            # An answer that ends the connection (the client said `Connection: close`, HTTP/1.0) waits for the
            # body too: closing with unread data makes the kernel reset the connection, and the answer is lost.
            self.cycle.transport = _CycleTransport(self.transport, self, self.cycle)  # type: ignore[assignment]

    def on_body(self, body: bytes) -> None:
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is not None and cycle.response_complete:  # answered already: the rest is read and dropped
            self._discarded += len(body)
            if self._discarded > self.linger_bytes:
                self._close()
            return
        super().on_body(body)

    def on_message_complete(self) -> None:
        if self.transport.is_closing():
            return
        self._body_complete = True
        lingered = self._linger_timer is not None
        self._cancel_linger_timer()
        if self._close_after_body:
            self._close()
            return
        super().on_message_complete()
        if lingered and not self.transport.is_closing() and self.timeout_keep_alive_task is None:
            # uvicorn armed the keep-alive timeout when the answer went out; the body's arrival cancelled it.
            handler = self.timeout_keep_alive_handler
            self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, handler)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._start_lingering()

    def close_after_body(self) -> None:
        """The answer ends the connection: now, or once the rest of the request's body has been read."""
        if self._body_complete:
            self._close()
        else:
            self._close_after_body = True
            self._start_lingering()

    def _start_lingering(self) -> None:
        if not self._body_complete and not self.transport.is_closing() and self._linger_timer is None:
            self._linger_timer = self.loop.call_later(self.linger_seconds, self._close)

    # Helpers
    def _arm_head_timer(self) -> None:
        """A head is due within `head_timeout` from now. The connection's timer is armed once and kept: a timer
        armed and cancelled for every request cost more than the request's own routing. When it fires it looks at
        the deadline of the head pending then: none, nothing to do; later, it waits for it."""
        self._head_deadline = self.loop.time() + self.head_timeout
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_timer_fired)

    def _head_timer_fired(self) -> None:
        self._head_timer = None
        deadline = self._head_deadline
        if deadline is None or self.transport.is_closing():
            return  # no head pending (the last one was complete in time)
        if (left := deadline - self.loop.time()) > 0:
            self._head_timer = self.loop.call_later(left, self._head_timer_fired)
            return
        self._head_timed_out()

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        if self._in_head:
            self._refuse_head(408, f"request headers should arrive within {self.head_timeout:g} seconds")
        elif self.cycle is None or self.cycle.response_complete:
            self._close()  # silent since the connection opened

    def _refuse_head(self, status: int, details: str) -> None:
        metrics.request_refused("head_too_large" if status == 431 else "head_timeout")
        body = orjson.dumps({"name": "SchemaValidationError", "details": details})
        head = (
            STATUS_LINE[status]
            + b"content-type: application/json\r\ncontent-length: "
            + str(len(body)).encode()
            + b"\r\nx-request-id: "
            + new_request_id().encode()  # no request ran: an id of its own, as every answer has
            + b"\r\nconnection: close\r\n\r\n"
        )
        self._in_head = False
        self.transport.write(head + body)
        self._close()

    def _close(self) -> None:
        self._cancel_timers()
        if not self.transport.is_closing():
            self.transport.close()

    def _cancel_head_timer(self) -> None:
        self._head_deadline = None
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _cancel_linger_timer(self) -> None:
        if self._linger_timer is not None:
            self._linger_timer.cancel()
            self._linger_timer = None

    def _cancel_timers(self) -> None:
        self._cancel_head_timer()
        self._cancel_linger_timer()



class _CycleTransport:
    """The transport as a request's cycle sees it.

    - `close()` waits for the rest of the request's body (an answer that ends the connection);
    - an answer of known length leaves in one write: its head is held until its body's first bytes and goes out
      with them, in one system call instead of two (uvicorn writes the head as the answer starts; on a small
      answer that second `send` was a tenth of a request's cost). The bytes the client receives are the same. A
      head with no body to follow (HEAD, length 0, chunked) is written as it comes; `close()` writes a head still
      held before it closes.
    """

    __slots__ = ("_cycle", "_head_seen", "_held", "_protocol", "_transport")

    def __init__(self, transport: asyncio.Transport, protocol: GuardedHttpToolsProtocol, cycle: Any) -> None:
        self._transport = transport
        self._protocol = protocol
        self._cycle = cycle
        self._held: bytes | None = None
        self._head_seen = False  # the answer's head has been written (or is held)

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:  # the body's first bytes: out with the head, in one system call
            self._held = None
            self._transport.writelines((held, data))
            return
        if not self._head_seen and self._cycle.response_started:  # the answer's head (a 100 Continue comes before)
            self._head_seen = True
            cycle = self._cycle
            if cycle.chunked_encoding is False and cycle.expected_content_length and cycle.scope["method"] != "HEAD":
                self._held = data  # its body follows at once (a response of known length sends it next)
                return
        self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._protocol.close_after_body()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def _flush(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
