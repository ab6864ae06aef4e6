"""`X-Request-Id` on every kind of answer, never in the contract's body; in the log lines and the journal."""

from __future__ import annotations

import json
import logging.config
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from openqualify.server.config import LogFormat
from openqualify.server.observability.logs import log_config
from openqualify.server.observability.requestid import RequestIdFilter, from_headers
from tests.contract.spec import validate_response
from tests.fixtures.observability import ClientFactory

NEW_ID = re.compile(r"[0-9a-f]{32}")


def _checked(response: httpx.Response, status: int, sent: str | None = None, *, operation: bool = True) -> str:
    """The answer's id (the one sent, or a new one), which its body never carries; a contract operation's
    answer validated against the contract where the contract declares the status (not 413, 429, 503, 500)."""
    assert response.status_code == status, response.text
    rid = response.headers["x-request-id"]
    assert rid == sent if sent is not None else NEW_ID.fullmatch(rid), rid
    assert len(response.headers.get_list("x-request-id")) == 1
    assert rid not in response.text
    if response.headers.get("content-type", "").startswith("application/json") and status >= 400:
        assert set(response.json()) == {"name", "details"}, response.text  # the flat error body, nothing added
    path = urlsplit(str(response.request.url)).path
    if operation and path.startswith("/v1/") and status in (200, 201, 400, 401, 404):
        body = response.json() if response.content else None
        validate_response(response.request.method, path.removeprefix("/v1"), status, body)
    return rid


@contextmanager
def _write_lock_held(database_url: str) -> Iterator[None]:
    """Another connection holds what a write needs, longer than the application's lock timeout."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    url = make_url(database_url)
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False)) as connection:
        connection.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            connection.rollback()


def test_every_kind_of_answer_has_an_id_and_no_body_carries_it(
    make_client: ClientFactory, org: tuple[str, str, str], database_url: str
) -> None:
    _, _, token = org
    auth = {"Authorization": f"Bearer {token}"}
    settings: dict[str, Any] = {
        "max_body_bytes": 2000, "max_url_bytes": 500, "rate_limit_per_minute": 1000, "db_lock_timeout": 0.5,
        "cors_origins": ["http://app.example"],
    }
    preflight = {"Origin": "http://app.example", "Access-Control-Request-Method": "GET"}
    with make_client(**settings) as client:

        async def fails() -> None:
            raise RuntimeError("a bug")

        client.app.add_api_route("/_test/failure", fails)  # type: ignore[attr-defined]
        ids = [
            _checked(client.get("/v1/org", headers=auth), 200),
            _checked(client.get("/v1/offerings?q=" + "x" * 600, headers=auth), 400),  # the request layer's URL cap
            _checked(client.get("/v1/org", headers={"Authorization": "Bearer not-a-token"}), 401),
            _checked(client.get("/v1/offerings/absent", headers=auth), 404),
            _checked(client.get("/v1/no/such/route", headers=auth), 404, operation=False),
            _checked(client.delete("/v1/org", headers=auth), 405, operation=False),
            _checked(client.post("/v1/users", headers=auth, json={"email": "x" * 3000}), 413),
            _checked(client.get("/_test/failure"), 500),
            _checked(client.options("/v1/org", headers=preflight), 200, operation=False),  # a CORS preflight
            _checked(client.get("/health"), 200),
            _checked(client.get("/"), 200),
        ]
        nested = client.post(
            "/v1/users", headers={**auth, "Content-Type": "application/json"}, content=b"[" * 40 + b"]" * 40
        )
        ids.append(_checked(nested, 400))  # a JSON body past the nesting bound (kit.jsonbody)
        with _write_lock_held(database_url):
            busy = client.post("/v1/users", headers=auth, json={"email": "busy@example.com", "firstName": "B",
                                                                "lastName": "Z"})
        ids.append(_checked(busy, 503))
        assert busy.json()["name"] == "ServerError"
        assert len(set(ids)) == len(ids)  # a new id per request

    with make_client(rate_limit_per_minute=1, rate_limit_backend="memory") as limited:
        _checked(limited.get("/v1/org", headers=auth), 200)
        refused = limited.get("/v1/org", headers=auth)
        _checked(refused, 429)
        assert refused.json()["name"] == "TooManyRequestsError"


def test_cors_answers_expose_the_id(make_client: ClientFactory, org: tuple[str, str, str]) -> None:
    with make_client(cors_origins=["http://app.example"]) as client:
        answer = client.get("/v1/org", headers={"Authorization": f"Bearer {org[2]}", "Origin": "http://app.example"})
    assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize(
    "sent",
    ["3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", "01J9ZK3V8Q4W2E6R7T8Y9U0I1O", "Root.1-5f84c7a9:abc_def~+/=@x", "a" * 128],
)
def test_a_sane_id_of_the_caller_is_kept(make_client: ClientFactory, org: tuple[str, str, str], sent: str) -> None:
    with make_client() as client:
        _checked(client.get("/v1/org", headers={"Authorization": f"Bearer {org[2]}", "X-Request-Id": sent}), 200, sent)
        _checked(client.get("/v1/org", headers={"X-Request-Id": sent}), 401, sent)


@pytest.mark.parametrize("sent", ["", "has space", "quote\"d", "a" * 129, "semi;colon", "ünïcode", "line\tbreak"])
def test_an_insane_id_is_replaced(make_client: ClientFactory, org: tuple[str, str, str], sent: str) -> None:
    raw = [(b"authorization", f"Bearer {org[2]}".encode()), (b"x-request-id", sent.encode())]
    assert from_headers(raw) is None
    with make_client() as client:
        answer = client.get("/v1/org", headers={"Authorization": f"Bearer {org[2]}", "X-Request-Id": sent.encode()})
        assert _checked(answer, 200) != sent


def test_two_ids_are_no_id() -> None:
    assert from_headers([(b"x-request-id", b"one"), (b"x-request-id", b"two")]) is None
    assert from_headers([(b"x-request-id", b"one")]) == "one"


@pytest.mark.parametrize("fmt", [LogFormat.TEXT, LogFormat.JSON])
def test_every_log_line_of_a_request_carries_its_id(
    make_client: ClientFactory, org: tuple[str, str, str], fmt: LogFormat, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.config.dictConfig(log_config("info", fmt))
    try:
        with make_client() as client:  # the sandbox: the access log is on

            async def fails() -> None:
                raise RuntimeError("a bug")

            client.app.add_api_route("/_test/failure", fails)  # type: ignore[attr-defined]
            capsys.readouterr()
            ok = client.get("/v1/org", headers={"Authorization": f"Bearer {org[2]}", "X-Request-Id": "trace-me-1"})
            failed = client.get("/_test/failure")
            lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    finally:
        logging.config.dictConfig(log_config("warning", LogFormat.TEXT))
    assert ok.headers["x-request-id"] == "trace-me-1"
    rid = failed.headers["x-request-id"]
    if fmt is LogFormat.JSON:
        records = [json.loads(line) for line in lines if line.startswith("{")]
        access = [r for r in records if r["logger"] == "openqualify.access"]
        assert [(r["path"], r["request_id"]) for r in access] == [("/v1/org", "trace-me-1"), ("/_test/failure", rid)]
        errors = [r for r in records if r["level"] == "ERROR"]
        assert errors and all(r["request_id"] == rid for r in errors)  # the 500's trace, with the id
        assert "request_tag" not in lines[0]
    else:
        access = [line for line in lines if "openqualify.access" in line]
        assert "openqualify.access [trace-me-1]: GET /v1/org 200 " in access[0], access
        assert f"openqualify.access [{rid}]: GET /_test/failure 500 " in access[1], access
        assert any(f"openqualify [{rid}]: unhandled error" in line for line in lines), lines


def test_lines_outside_requests_keep_their_shape() -> None:
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, "Started server process", None, None)
    assert RequestIdFilter().filter(record)
    assert record.request_tag == "" and not hasattr(record, "request_id")  # type: ignore[attr-defined]


def test_the_journal_keeps_each_requests_id(make_client: ClientFactory, org: tuple[str, str, str]) -> None:
    auth = {"Authorization": f"Bearer {org[2]}"}
    with make_client() as client:
        first = client.get("/v1/org", headers={**auth, "X-Request-Id": "journal-1"})
        second = client.get("/v1/offerings/absent", headers=auth)
        entries = client.get("/_sandbox/requests", headers=auth).json()
    assert [(e["path"], e["requestId"]) for e in entries[:2]] == [
        ("/v1/offerings/absent", second.headers["x-request-id"]),
        ("/v1/org", first.headers["x-request-id"]),
    ]


def test_new_ids_are_random_and_a_forked_child_draws_its_own() -> None:
    """New ids come from the operating system's random bytes, drawn a few kilobytes at a time: never repeated,
    and a forked worker does not hand out the ids its parent would give next."""
    import os

    from openqualify.server.observability.requestid import new_request_id

    ids = [new_request_id() for _ in range(1000)]  # past one draw of random bytes
    assert len(set(ids)) == 1000 and all(NEW_ID.fullmatch(rid) for rid in ids)
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child)
        os.write(write_end, new_request_id().encode())
        os._exit(0)
    os.waitpid(child, 0)
    childs = os.read(read_end, 64).decode()
    os.close(read_end)
    os.close(write_end)
    assert NEW_ID.fullmatch(childs) and childs != new_request_id()
