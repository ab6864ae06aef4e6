"""The recording, contract-checking proxy in front of a second OpenQualify server (and one with faults injected):
forwarding with the caller's token, verdicts in `X-OpenQualify-Contract`, errata named, `--strict`, recordings
without tokens, the report, streamed large answers, and 502/504 when the upstream fails."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.live import LIVE_TOKEN, LiveServer, free_port
from tests.fixtures.proxy import Proxy, running_proxy

pytestmark = pytest.mark.e2e

OFFERING = "-NjnTPv-5HTwQ5j2Wqek"  # the demo's current offering


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def add_fault(live_server: LiveServer, token: str, rule: dict[str, Any]) -> None:
    response = httpx.post(f"{live_server.base_url}/_sandbox/faults", json=rule, headers=bearer(token), timeout=30)
    assert response.status_code == 201, response.text


def test_forwards_with_the_callers_token_and_says_ok(proxy_to: Callable[..., Any], live_server: LiveServer) -> None:
    with proxy_to() as proxy, httpx.Client(timeout=30) as http:
        direct = http.get(f"{live_server.base_url}/v1/offerings/{OFFERING}", headers=bearer(LIVE_TOKEN))
        proxied = http.get(f"{proxy.base_url}/offerings/{OFFERING}", headers=bearer(LIVE_TOKEN))
        assert proxied.status_code == 200 and proxied.json() == direct.json()
        assert proxied.headers["X-OpenQualify-Contract"] == "ok"
        assert proxied.headers["content-type"] == "application/json"
        assert len(proxied.headers.get_list("date")) == 1
        refused = http.get(f"{proxy.base_url}/org", headers=bearer("not-a-token"))
        assert refused.status_code == 401 and refused.json()["name"] == "NotAuthorizedError"
        assert refused.headers["X-OpenQualify-Contract"] == "ok"  # a declared 401 with the Error body
        outside = http.get(proxy.base_url.removesuffix("/v1") + "/_sandbox/faults", headers=bearer(LIVE_TOKEN))
        assert outside.status_code == 404 and outside.json()["name"] == "ObjectNotFoundError"


def test_violations_and_errata_in_the_header_and_the_log(proxy_to: Callable[..., Any]) -> None:
    with proxy_to() as proxy, httpx.Client(timeout=30) as http:
        bad_query = http.get(f"{proxy.base_url}/offerings/{OFFERING}/users?learners=maybe", headers=bearer(LIVE_TOKEN))
        assert bad_query.headers["X-OpenQualify-Contract"] == "violations=1"
        unknown = http.get(f"{proxy.base_url}/no/such/operation", headers=bearer(LIVE_TOKEN))
        assert unknown.status_code == 404 and unknown.headers["X-OpenQualify-Contract"] == "violations=1"
        reactions_url = f"{proxy.base_url}/offerings/{OFFERING}/analytics/unit-reactions"
        reactions = http.get(reactions_url, headers=bearer(LIVE_TOKEN))
        assert reactions.status_code == 200 and reactions.json()
        # Our pageId is a string, as the contract's description says; its schema says boolean: erratum #16.2.
        assert reactions.headers["X-OpenQualify-Contract"] == "ok; errata=#16.2"
        log = proxy.log()
        assert "contract violation: GET /v1/offerings/" in log
        assert '"maybe" is not one of "true" or "false"' in log
        assert "GET /no/such/operation is not an operation of the contract" in log


def test_strict_answers_502_when_the_upstream_breaks_the_contract(
    proxy_to: Callable[..., Any], live_server: LiveServer, org_token: str
) -> None:
    add_fault(live_server, org_token, {"match": {"method": "GET", "path": "/v1/org"}, "status": 503})
    with proxy_to() as lenient, proxy_to("--strict") as strict, httpx.Client(timeout=30) as http:
        passed = http.get(f"{lenient.base_url}/org", headers=bearer(org_token))
        assert passed.status_code == 503 and passed.headers["X-OpenQualify-Contract"] == "violations=1"
        refused = http.get(f"{strict.base_url}/org", headers=bearer(org_token))
        assert refused.status_code == 502 and refused.json()["name"] == "ServerError"
        assert refused.json()["violations"] == ["response: status 503 is not declared for GET /org"]
        assert "breaks the contract" in refused.json()["details"]
        assert http.get(f"{strict.base_url}/users/nobody@example.com", headers=bearer(org_token)).status_code == 404


def test_the_recording_keeps_every_exchange_and_never_a_token(
    proxy_to: Callable[..., Any], org_token: str, tmp_path: Path
) -> None:
    record = tmp_path / "rec"
    with proxy_to("--record", str(record)) as proxy, httpx.Client(timeout=30) as http:
        created = http.post(f"{proxy.base_url}/users", headers=bearer(org_token), json={
            "email": "rec@example.com", "firstName": "Rec", "lastName": "Orded", "sendInvite": False,
        })  # fmt: skip
        assert created.status_code == 201 and "/invite/" in created.json()["invite"]["url"]
        http.get(f"{proxy.base_url}/users/rec@example.com", headers=bearer(org_token))
        http.get(f"{proxy.base_url}/users/nobody@example.com", headers=bearer(org_token))
        http.get(f"{proxy.base_url}/org?token={org_token}", headers={"Authorization": org_token})
    lines = [json.loads(line) for line in (record / "exchanges.jsonl").read_text().splitlines()]
    assert [(e["method"], e["operation"], e["status"]) for e in lines] == [
        ("POST", "POST /users", 201),
        ("GET", "GET /users/{userEmail}", 200),
        ("GET", "GET /users/{userEmail}", 404),
        ("GET", "GET /org", 200),
    ]
    first = lines[0]
    assert first["request"]["headers"]["authorization"] == "[redacted]"
    assert first["request"]["body"]["email"] == "rec@example.com"
    assert first["response"]["body"]["invite"]["url"].endswith("/invite/[redacted]")
    assert lines[3]["query"] == [["token", "[redacted]"]]
    for file in record.iterdir():  # no token reaches the disk, in any form
        text = file.read_text()
        assert org_token not in text and created.json()["invite"]["url"] not in text

    report = subprocess.run(
        [sys.executable, "-m", "openqualify.cli.main", "proxy", "report", str(record), "--json"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    summary = {s["operation"]: s for s in json.loads(report.stdout)}
    users = summary["GET /users/{userEmail}"]
    assert users["calls"] == 2 and users["statuses"] == {"200": 1, "404": 1} and users["violations"] == 0
    assert users["p50Ms"] > 0 and users["p99Ms"] >= users["p50Ms"]
    table = subprocess.run(
        [sys.executable, "-m", "openqualify.cli.main", "proxy", "report", str(record)],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert table.stdout.splitlines()[0].split("\t") == [
        "Operation", "Calls", "Statuses", "Violations", "Errata", "p50 ms", "p95 ms", "p99 ms"
    ]


def test_large_answers_stream_past_the_body_cap(proxy_to: Callable[..., Any], live_server: LiveServer) -> None:
    with proxy_to("--max-body-bytes", "2000") as proxy, httpx.Client(timeout=30) as http:
        direct = http.get(f"{live_server.base_url}/v1/offerings/{OFFERING}/users", headers=bearer(LIVE_TOKEN))
        assert len(direct.content) > 10_000
        members = f"{proxy.base_url}/offerings/{OFFERING}/users"
        with http.stream("GET", members, headers=bearer(LIVE_TOKEN)) as streamed:
            assert streamed.headers["X-OpenQualify-Contract"] == "ok; body=unchecked"
            assert "content-length" not in streamed.headers  # chunked: never held whole
            chunks = list(streamed.iter_bytes())
        assert b"".join(chunks) == direct.content
        too_big = http.post(f"{proxy.base_url}/users", headers=bearer(LIVE_TOKEN), json={"email": "x" * 3000})
        assert too_big.status_code == 413 and too_big.json()["name"] == "SchemaValidationError"


def test_upstream_failures_are_502_and_504_with_the_flat_body(
    proxy_to: Callable[..., Any], live_server: LiveServer, org_token: str
) -> None:
    add_fault(live_server, org_token, {"match": {"method": "GET", "path": "/v1/org"}, "latencyMs": 3000, "times": 1})
    malformed = {"match": {"method": "GET", "path": "/v1/users/{userEmail}"}, "drop": "malformed"}
    add_fault(live_server, org_token, malformed)
    nowhere = f"http://127.0.0.1:{free_port()}/v1"
    with (
        proxy_to("--timeout", "1") as proxy,
        running_proxy(nowhere, "--connect-timeout", "2") as dead_end,
        httpx.Client(timeout=30) as http,
    ):
        slow = http.get(f"{proxy.base_url}/org", headers=bearer(org_token))
        assert slow.status_code == 504 and slow.json()["name"] == "ServerError"
        assert "did not answer in time" in slow.json()["details"]
        cut = http.get(f"{proxy.base_url}/users/someone@example.com", headers=bearer(org_token))
        assert cut.status_code == 502 and cut.json()["name"] == "ServerError" and "cut off" in cut.json()["details"]
        unreachable = http.get(f"{dead_end.base_url}/org", headers=bearer(org_token))
        assert unreachable.status_code == 502 and "could not be reached" in unreachable.json()["details"]
        assert http.get(f"{proxy.base_url}/org", headers=bearer(org_token)).status_code == 200  # times: 1


def test_proxy_usage_errors_exit_1() -> None:
    run = subprocess.run([sys.executable, "-m", "openqualify.cli.main", "proxy"], capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    assert run.returncode == 1 and "--upstream is required" in run.stderr
    missing = subprocess.run([sys.executable, "-m", "openqualify.cli.main", "proxy", "report", "/nonexistent"],
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert missing.returncode == 1 and "exchanges.jsonl does not exist" in missing.stderr


_ = Proxy  # re-exported for readers of this module
