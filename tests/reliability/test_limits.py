"""Body caps against a real server process: refused before the body is read, memory unchanged."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import ServerProcess, running_server
from tests.reliability.conftest import Org, checked

pytestmark = pytest.mark.e2e

CAP = 1024 * 1024  # a 1 MiB cap for this server, to keep the test cheap


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[ServerProcess]:
    with running_server(database_url, env={"OPENQUALIFY_MAX_BODY_BYTES": str(CAP)}) as process:
        yield process


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _server_pid(server: ServerProcess) -> int:
    return server.process.pid  # one worker: uvicorn serves in the process it was started in


def _raw_request(server: ServerProcess, head: bytes, body: bytes = b"") -> bytes:
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head + body)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_declared_oversized_body_is_refused_before_it_is_read(server: ServerProcess,
                                                              org_factory: Callable[[str], Org]) -> None:
    org = org_factory(server.base_url)
    head = (
        f"POST /v1/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {org.token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {100 * 1024 * 1024}\r\n\r\n"
    ).encode()
    began = time.perf_counter()
    answer = _raw_request(server, head, b'{"email": "')  # 11 bytes of the announced 100 MiB
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"name":"SchemaValidationError"' in answer
    assert f"larger than {CAP} bytes".encode() in answer
    assert time.perf_counter() - began < 5


def test_sent_oversized_body_leaves_memory_alone(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    org = org_factory(server.base_url)
    before = _rss_kib(_server_pid(server))
    body = b'{"email": "big@example.com", "firstName": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    try:
        response = httpx.post(f"{server.base_url}/v1/users", content=body, timeout=60,
                              headers={"Authorization": f"Bearer {org.token}", "Content-Type": "application/json"})
        assert response.status_code == 413
    except httpx.TransportError:
        pass  # the server may close the connection while the client is still sending: also a refusal
    after = _rss_kib(_server_pid(server))
    assert after - before < 10 * 1024, f"RSS grew by {(after - before) // 1024} MiB"
    with org.client() as api:
        checked(api.get("/org"))  # and it answers at once


def test_chunked_body_is_read_only_up_to_the_cap(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    org = org_factory(server.base_url)

    def chunks() -> Iterator[bytes]:
        yield b'{"email": "chunked@example.com", "firstName": "'
        for _ in range(4):
            yield b"y" * CAP
        yield b'"}'

    try:
        response = httpx.post(f"{server.base_url}/v1/users", content=chunks(), timeout=60,
                              headers={"Authorization": f"Bearer {org.token}", "Content-Type": "application/json"})
        assert response.status_code == 413, response.text
        assert response.json()["name"] == "SchemaValidationError"
    except httpx.TransportError:
        pass
    with org.client() as api:
        assert api.get("/users/chunked%40example.com").status_code == 404
        small = api.post("/users", json={"email": "small@example.com", "firstName": "S", "lastName": "M"})
        assert small.status_code == 201  # a body under the cap goes through
