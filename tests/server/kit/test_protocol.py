"""The HTTP connection's writes (`kit.protocol`): an answer of known length leaves in one write, head and body
together; every other answer's bytes leave as they come, and nothing is lost on the way."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from openqualify.server.kit.protocol import GuardedHttpToolsProtocol

App = Callable[[Any, Any, Any], Awaitable[None]]
GET = b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n"


class RecordingTransport(asyncio.Transport):
    """What the connection wrote, one entry per system call (`writelines` is one call, as uvloop's writev)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        self.writes.append(b"".join(bytes(d) for d in list_of_data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def abort(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def _connection(
    app: App, head_timeout: float | None = None
) -> tuple[GuardedHttpToolsProtocol, RecordingTransport]:
    config = Config(app=app, lifespan="off", log_level="warning")
    protocol = GuardedHttpToolsProtocol(config=config, server_state=ServerState(), app_state={})
    if head_timeout is not None:
        protocol.head_timeout = head_timeout
    transport = RecordingTransport()
    protocol.connection_made(transport)
    return protocol, transport


def synchronously(test: Callable[[], Awaitable[None]]) -> Callable[[], None]:
    """Run an async test on a fresh event loop (the project's tests use `asyncio.run`)."""

    def run() -> None:
        asyncio.run(test())

    run.__name__ = test.__name__
    return run


async def _settle(done: Callable[[], bool]) -> None:
    for _ in range(200):  # bounded: the app's task runs within a few loop turns
        if done():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the connection did not get there")


def _fixed(body: bytes, *, start_headers: list[tuple[bytes, bytes]] | None = None) -> App:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = start_headers if start_headers is not None else [(b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


@synchronously
async def test_an_answer_of_known_length_leaves_in_one_write() -> None:
    protocol, transport = await _connection(_fixed(b'{"id": "x"}'))
    protocol.data_received(GET)
    await _settle(lambda: bool(transport.writes))
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert transport.writes[0].endswith(b'content-length: 11\r\n\r\n{"id": "x"}')


@synchronously
async def test_two_answers_on_one_connection_each_leave_in_one_write() -> None:
    protocol, transport = await _connection(_fixed(b"abc"))
    protocol.data_received(GET)
    await _settle(lambda: len(transport.writes) == 1)
    protocol.data_received(GET)
    await _settle(lambda: len(transport.writes) == 2)
    assert all(write.endswith(b"\r\n\r\nabc") for write in transport.writes)


@synchronously
async def test_a_streamed_answer_sends_its_head_before_its_body_exists() -> None:
    release = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})  # chunked
        await release.wait()
        await send({"type": "http.response.body", "body": b"late"})

    protocol, transport = await _connection(app)
    protocol.data_received(GET)
    await _settle(lambda: bool(transport.writes))
    assert b"transfer-encoding: chunked" in transport.writes[0]
    release.set()
    await _settle(lambda: len(transport.writes) == 2)
    assert transport.writes[1] == b"4\r\nlate\r\n0\r\n\r\n"


@synchronously
async def test_a_head_request_and_an_empty_answer_are_written_at_once() -> None:
    protocol, transport = await _connection(_fixed(b"abc", start_headers=[(b"content-length", b"3")]))
    protocol.data_received(b"HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n")
    await _settle(lambda: bool(transport.writes))
    assert transport.writes[0].endswith(b"content-length: 3\r\n\r\n")
    protocol, transport = await _connection(_fixed(b""))
    protocol.data_received(GET)
    await _settle(lambda: bool(transport.writes))
    assert transport.writes[0].endswith(b"content-length: 0\r\n\r\n")


@synchronously
async def test_a_head_held_is_written_before_the_connection_closes() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]})
        raise RuntimeError("failed after the head")  # uvicorn closes the connection

    protocol, transport = await _connection(app)
    protocol.data_received(GET)
    await _settle(lambda: transport.closed)
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")


@synchronously
async def test_continue_is_written_when_the_body_is_asked_for() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        body = message["body"]
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": body})

    protocol, transport = await _connection(app)
    protocol.data_received(b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
    await _settle(lambda: bool(transport.writes))
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    protocol.data_received(b"ok")
    await _settle(lambda: len(transport.writes) == 2)
    assert transport.writes[1].endswith(b"\r\n\r\nok")


@synchronously
async def test_every_request_head_has_its_time_and_an_idle_connection_keeps_its_own() -> None:
    protocol, transport = await _connection(_fixed(b"abc"), head_timeout=0.2)

    def sent() -> bytes:
        return b"".join(transport.writes)

    protocol.data_received(GET)
    await _settle(lambda: sent().count(b"HTTP/1.1 200 OK") == 1)
    await asyncio.sleep(0.5)  # idle between requests: the keep-alive's business (5 s), not the head's
    assert not transport.closed
    protocol.data_received(GET)
    await _settle(lambda: sent().count(b"HTTP/1.1 200 OK") == 2)
    protocol.data_received(b"GET /x HTTP/1.1\r\nHost:")  # a third head, never finished
    await asyncio.sleep(0.1)
    assert not transport.closed
    await _settle(lambda: transport.closed)
    assert sent().endswith(b"}") and b"HTTP/1.1 408 " in sent()


@synchronously
async def test_a_silent_connection_is_closed_once_its_time_is_up() -> None:
    _, transport = await _connection(_fixed(b"abc"), head_timeout=0.1)
    await _settle(lambda: transport.closed)
    assert transport.writes == []


@synchronously
async def test_a_busy_connection_arms_its_head_timer_once() -> None:
    """One timer per connection, not one armed and cancelled per request (what it used to cost)."""
    protocol, transport = await _connection(_fixed(b"abc"))
    armed: list[str] = []
    call_later = protocol.loop.call_later

    def counting(delay: float, callback: Any, *args: Any) -> Any:
        armed.append(getattr(callback, "__name__", ""))
        return call_later(delay, callback, *args)

    protocol.loop.call_later = counting  # type: ignore[method-assign]
    try:
        for n in range(1, 51):
            protocol.data_received(GET)
            await _settle(lambda n=n: len(transport.writes) == n)  # type: ignore[misc]
    finally:
        del protocol.loop.call_later
    assert [name for name in armed if "head" in name] == []
