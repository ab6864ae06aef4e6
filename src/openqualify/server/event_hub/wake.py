"""Waking a dispatcher that runs in another process of the same host.

A commit that raised events wakes the dispatchers of its own process directly (`emit.wake_dispatchers`). When the
deliveries run in a process of their own (`serve --deliveries process`, or API workers with
`OPENQUALIFY_EVENT_HUB_DISPATCHER=false` beside a delivering process), the API workers also send one datagram to a
Unix socket the delivering process listens on (`OPENQUALIFY_EVENT_HUB_WAKE_SOCKET`), so it claims the new events
at once instead of at its next look for due work. A datagram lost (no listener yet, a full queue) costs only that
wait: the look every `OPENQUALIFY_EVENT_HUB_POLL_SECONDS` finds the work anyway. Another host's dispatchers are not
woken (they look).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Callable

WAKE = b"w"
MAX_DRAIN = 1024  # datagrams read per wake-up (the rest wait for the next one)


class WakeSender:
    """Sends wake-ups to one socket path, never blocking and never failing the caller."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.setblocking(False)

    def send(self) -> None:
        with contextlib.suppress(OSError):  # nobody listening, or the queue is full: the poll catches up
            self._socket.sendto(WAKE, self.path)

    def close(self) -> None:
        self._socket.close()


class WakeListener:
    """Binds the socket path and calls `wake` on the event loop for every batch of datagrams received."""

    def __init__(self, path: str, wake: Callable[[], None]) -> None:
        self.path = path
        self._wake = wake
        self._loop: asyncio.AbstractEventLoop | None = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # a previous run's socket file
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.setblocking(False)
        self._socket.bind(path)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        loop.add_reader(self._socket.fileno(), self._received)

    def _received(self) -> None:
        for _ in range(MAX_DRAIN):
            try:
                self._socket.recv(16)
            except OSError:  # nothing more to read (BlockingIOError), or the socket is gone
                break
        self._wake()

    def close(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._socket.fileno())
        self._socket.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


__all__ = ["WakeListener", "WakeSender"]
