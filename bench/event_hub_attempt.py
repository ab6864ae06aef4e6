#!/usr/bin/env python3
"""CPU per Event hub delivery attempt (issue 20): the dispatcher's `attempt()` (aiohttp) against the same request
made with httpx as the dispatcher made it before (a streamed POST through httpx's pool), at 4, 16 and 32 in flight.

Usage: .venv/bin/python bench/event_hub_attempt.py [attempts per run, default 2000]
The receiver (a threaded HTTP/1.1 server answering 200) runs in another process, so only the sender's CPU is
counted (`time.process_time`). Prints one line per client and number in flight.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx

from openqualify.server.event_hub import views
from openqualify.server.event_hub.dispatcher import attempt, new_client
from openqualify.server.event_hub.outbox import Claimed
from openqualify.server.event_hub.signing import signed_headers
from openqualify.server.kit.clock import OrgClock, system_now

RECEIVER = """
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""
DATA = {"user": {"id": "u", "email": "a@example.com"}, "offering": {"id": "o", "name": "n", "tags": []}}


def claimed(url: str) -> Claimed:
    return Claimed(
        "dlv_x", "org", "evt_x", "offering.user_added", datetime(2030, 1, 1, tzinfo=UTC), False, DATA, "ep", True,
        url, {}, 0, ["whsec_" + "A" * 43 + "="], OrgClock(),
    )


async def httpx_attempt(client: httpx.AsyncClient, item: Claimed) -> int:
    """What the dispatcher did before aiohttp: sign, stream the POST, keep up to 2 KiB of the answer."""
    body = views.body_bytes(item.event_id, item.event_type, item.occurred_at, item.test, item.data)
    headers = {"content-type": "application/json", **signed_headers(item.secrets, item.event_id, system_now(), body)}
    async with asyncio.timeout(10), client.stream("POST", item.url, content=body, headers=headers) as response:
        kept = bytearray()
        async for chunk in response.aiter_raw():
            kept.extend(chunk[: 2048 - len(kept)])
            if len(kept) >= 2048:
                break
    return response.status_code


async def run(kind: str, in_flight: int, count: int, url: str) -> tuple[float, float]:
    """(ms of CPU, ms of wall time) per attempt."""
    slots = asyncio.Semaphore(in_flight)
    one: Callable[[], Awaitable[int]]
    if kind == "httpx":
        limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
        client = httpx.AsyncClient(timeout=10, follow_redirects=False, trust_env=False, limits=limits)

        async def one() -> int:
            async with slots:
                return await httpx_attempt(client, claimed(url))

        close = client.aclose
    else:
        session = new_client(in_flight, 10)

        async def one() -> int:
            async with slots:
                outcome = await attempt(session, claimed(url), allow_private=True, timeout=10)
                return outcome.status_code or 0

        close = session.close
    try:
        await asyncio.gather(*(one() for _ in range(200)))  # connections opened, code warm
        cpu, wall = time.process_time(), time.perf_counter()
        codes = await asyncio.gather(*(one() for _ in range(count)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        await close()
    if any(code != 200 for code in codes):
        raise SystemExit(f"{kind}: not every attempt was answered 200")
    return cpu / count * 1000, wall / count * 1000


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    try:
        assert receiver.stdout is not None
        url = f"http://127.0.0.1:{int(receiver.stdout.readline())}/hook"
        for in_flight in (4, 16, 32):
            for kind in ("httpx", "aiohttp"):
                try:
                    cpu, wall = asyncio.run(run(kind, in_flight, count, url))
                except httpx.HTTPError as error:  # the receiver's listen backlog may reset connections
                    print(f"{kind:8} {in_flight:3} in flight: failed ({type(error).__name__})", flush=True)
                    continue
                print(f"{kind:8} {in_flight:3} in flight: {cpu:.3f} ms CPU and {wall:.3f} ms wall per attempt "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        receiver.terminate()


if __name__ == "__main__":
    main()
