"""Caps against a real server process: bodies refused before they are read, memory unchanged; what a body may
hold (issue 19.1); request heads bounded in bytes and time (19.8); refused bodies discarded so that every client
sees the answer (18); 401 before the body (19.9)."""

from __future__ import annotations

import contextlib
import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import requests

from tests.fixtures.live import ServerProcess, running_server
from tests.fixtures.reliability import Org, checked

pytestmark = pytest.mark.e2e

CAP = 1024 * 1024  # a 1 MiB cap for this server, to keep the test cheap


HEAD_CAP = 16 * 1024
HEAD_SECONDS = 1.0
KEEP_ALIVE_SECONDS = 1.0


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[ServerProcess]:
    env = {
        "OPENQUALIFY_MAX_BODY_BYTES": str(CAP),
        "OPENQUALIFY_MAX_HEADER_BYTES": str(HEAD_CAP),
        "OPENQUALIFY_HEADER_TIMEOUT_SECONDS": str(HEAD_SECONDS),
        "OPENQUALIFY_KEEP_ALIVE_SECONDS": str(KEEP_ALIVE_SECONDS),
    }
    with running_server(database_url, env=env) as process:
        yield process


def _rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field}")


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


def _address(server: ServerProcess) -> tuple[str, int]:
    host, port = server.base_url.removeprefix("http://").split(":")
    return host, int(port)


def _read_until_closed(sock: socket.socket, limit: float = 20) -> tuple[bytes, float]:
    """What the server sends until it closes the connection, and when it closed (seconds from now)."""
    began = time.monotonic()
    sock.settimeout(limit)
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks), time.monotonic() - began


# Issue 19.1: the issue's own body, 9.9 MB and a million keys, to the routes it named; the worker's memory.

MILLION_KEYS = b"{" + b",".join(b'"%x":1' % n for n in range(1_000_000)) + b"}"


@pytest.fixture(scope="module")
def default_caps_server(database_url: str) -> Iterator[ServerProcess]:
    with running_server(database_url) as process:
        yield process


def test_a_million_keys_cost_a_worker_little(default_caps_server: ServerProcess,
                                             org_factory: Callable[[str], Org]) -> None:
    server = default_caps_server
    org = org_factory(server.base_url)
    assert len(MILLION_KEYS) < 10 * 1024 * 1024  # under the default cap, as in the issue
    offering = make_offering_id(org)
    with org.client() as api:
        checked(api.post("/users", json={"email": "keys@example.com", "firstName": "K", "lastName": "M"}), 201)
        rss_before = _rss_kib(_server_pid(server))
        routes = [("POST", "/users"), ("PATCH", "/users/keys@example.com"),
                  ("PUT", f"/offerings/{offering}/metadata/category"), ("POST", f"/offerings/{offering}/users")]
        for method, path in routes:
            body = b"[" + MILLION_KEYS + b"]" if path.endswith("/users") and "offerings" in path else MILLION_KEYS
            response = api.request(method, path, content=body, headers={"Content-Type": "application/json"})
            assert response.status_code == 400, (method, path, response.text)
            assert "should NOT have more than 1000 properties" in response.json()["details"]
        grown = _rss_kib(_server_pid(server)) - rss_before
        assert grown < 64 * 1024, f"RSS grew by {grown // 1024} MiB"  # before: 1.3 GB for one such request
        checked(api.get("/org"))


def make_offering_id(org: Org) -> str:
    from tests.fixtures.reliability import make_offering

    return make_offering(org, "Million keys")


# Issue 19.8: request heads bounded in bytes and in time.

def test_an_oversized_header_is_refused_without_being_kept(server: ServerProcess) -> None:
    pid = _server_pid(server)
    before = _rss_kib(pid)
    with socket.create_connection(_address(server), timeout=30) as sock:
        with contextlib.suppress(OSError):  # the server may close the connection while the header is being sent
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (50 * 1024 * 1024) + b"\r\n\r\n")
        answer, _ = _read_until_closed(sock)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert _rss_kib(pid) - before < 16 * 1024
    assert httpx.get(f"{server.base_url}/health", timeout=30).status_code == 200


def test_many_unfinished_headers_do_not_grow_the_server(server: ServerProcess) -> None:
    """The issue's case: 20 connections each sending 5 MB of a header line that never ends (it grew by 95 MB)."""
    pid = _server_pid(server)
    before = _rss_kib(pid)
    sockets = []
    try:
        for _ in range(20):
            sock = socket.create_connection(_address(server), timeout=30)
            sockets.append(sock)
            with contextlib.suppress(OSError):
                sock.sendall(b"GET /health HTTP/1.1\r\nX-Big: " + b"b" * (5 * 1024 * 1024))
        grown = _rss_kib(pid) - before
    finally:
        for sock in sockets:
            sock.close()
    assert grown < 16 * 1024, f"RSS grew by {grown // 1024} MiB"


def test_a_head_at_the_cap_is_served(server: ServerProcess) -> None:
    response = httpx.get(f"{server.base_url}/health", headers={"X-Fill": "f" * (HEAD_CAP - 1024)}, timeout=30)
    assert response.status_code == 200
    response = httpx.get(f"{server.base_url}/health", headers={"X-Fill": "f" * (HEAD_CAP + 1)}, timeout=30)
    assert response.status_code == 431
    assert response.json() == {"name": "SchemaValidationError",
                               "details": f"request headers should NOT be larger than {HEAD_CAP} bytes"}


def test_silent_and_stalled_connections_are_closed(server: ServerProcess) -> None:
    with socket.create_connection(_address(server), timeout=30) as silent:
        answer, after = _read_until_closed(silent)
    assert answer == b"" and after < 10 * HEAD_SECONDS  # before: never closed
    with socket.create_connection(_address(server), timeout=30) as stalled:
        stalled.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the end of the headers
        answer, after = _read_until_closed(stalled)
    assert answer.startswith(b"HTTP/1.1 408") and b"should arrive within" in answer, answer
    assert after < 10 * HEAD_SECONDS  # before: 20 s and more
    with socket.create_connection(_address(server), timeout=30) as idle:  # after an answer, the keep-alive timeout
        idle.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        answer, after = _read_until_closed(idle)
    assert answer.startswith(b"HTTP/1.1 200") and after < 10 * KEEP_ALIVE_SECONDS


def test_slow_connections_do_not_hold_the_others(server: ServerProcess) -> None:
    """What held in the probe stays held: 300 connections trickling their heads, and the server answers."""
    sockets = []
    try:
        for _ in range(300):
            sock = socket.create_connection(_address(server), timeout=30)
            sock.sendall(b"GET /health HTTP/1.1\r\n")
            sockets.append(sock)
        began = time.monotonic()
        assert httpx.get(f"{server.base_url}/health", timeout=30).status_code == 200
        assert time.monotonic() - began < 5
    finally:
        for sock in sockets:
            sock.close()


# Issue 18: a refused body is read and dropped (bounded), so clients that send it whole see the 413.

def test_every_python_client_sees_the_413(server: ServerProcess, org_factory: Callable[[str], Org]) -> None:
    org = org_factory(server.base_url)
    url = f"{server.base_url}/v1/users"
    headers = {"Authorization": f"Bearer {org.token}", "Content-Type": "application/json"}
    body = b'{"email": "' + b"x" * (30 * 1024 * 1024) + b'"}'
    with requests.Session() as session:  # before: ConnectionResetError
        answer = session.post(url, data=body, headers=headers, timeout=60)
        assert answer.status_code == 413 and answer.json()["name"] == "SchemaValidationError"
        assert session.get(f"{server.base_url}/v1/org", headers=headers, timeout=60).status_code == 200  # same one
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    assert refused.value.code == 413
    host, port = _address(server)
    connection = http.client.HTTPConnection(host, port, timeout=60)
    connection.request("POST", "/v1/users", body=body, headers=headers)
    assert connection.getresponse().status == 413
    connection.close()


def test_a_bad_token_is_answered_before_the_body_arrives(server: ServerProcess) -> None:
    """Decision 8, issue 19.9: the 401 comes while the body is still unsent (a bad token's 9.8 MB body waited)."""
    head = (
        "POST /v1/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer not-a-token\r\n"
        f"Content-Type: application/json\r\nContent-Length: {CAP - 10}\r\n\r\n"
    ).encode()
    with socket.create_connection(_address(server), timeout=30) as sock:
        sock.sendall(head + b'{"email": ')  # 10 bytes of the body, then nothing
        sock.settimeout(20)
        answer = b""
        while b"}" not in answer:  # the head, then the flat body
            answer += sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b'"name":"NotAuthorizedError"' in answer


def test_lingering_is_bounded(database_url: str, org_factory: Callable[[str], Org]) -> None:
    """A refused body larger than the discard budget ends with the connection closed, not read for ever."""
    env = {"OPENQUALIFY_MAX_BODY_BYTES": str(CAP), "OPENQUALIFY_LINGER_BYTES": str(2 * CAP)}
    with running_server(database_url, env=env) as small:
        org = org_factory(small.base_url)
        head = (
            f"POST /v1/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {org.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {100 * CAP}\r\n\r\n"
        ).encode()
        sent = 0
        with socket.create_connection(_address(small), timeout=30) as sock:
            sock.sendall(head)
            try:
                while sent < 100 * CAP:
                    sock.sendall(b"x" * 65536)
                    sent += 65536
            except OSError:
                pass  # closed once the budget was spent
        assert sent < 50 * CAP, sent


def test_keep_alive_survives_a_500(server: ServerProcess) -> None:
    """Issue 19.11: after an answer of the error handlers the connection serves the next request. (A real 500
    needs a fault: `tests/e2e/test_http_layer.py` injects one; here a 4xx from a middleware and from a route.)"""
    host, port = _address(server)
    connection = http.client.HTTPConnection(host, port, timeout=30)
    for path in ("/v1/org", "/nothing", "/health"):
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        assert response.getheader("connection") != "close", path
    connection.close()
