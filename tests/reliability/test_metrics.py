"""Metrics, request ids and traces of real server processes, with one worker and with two.

With two workers every scrape, whichever worker answers it, adds up both workers' counts (prometheus-client's
multiprocess mode); a worker killed with -9 is replaced and its live gauges forgotten while its counts stay.
Traces leave each worker over OTLP/HTTP to a collector this test runs (opentelemetry-proto decodes them).
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.live import ServerProcess, free_port, running_server
from tests.fixtures.reliability import Org, checked

pytestmark = pytest.mark.e2e

REQUESTS = 30
ORG_ROUTE = (("method", "GET"), ("route", "/v1/org"), ("status_class", "2xx"))


class Collector:
    """An OTLP/HTTP trace receiver on a loopback port: the spans it was sent, as (name, attributes, resource)."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                for resource_spans in request.resource_spans:
                    resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
                    for scope_spans in resource_spans.scope_spans:
                        for span in scope_spans.spans:
                            attributes = {a.key: _value(a.value) for a in span.attributes}
                            collector.spans.append((span.name, attributes, resource))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Collector:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def server_spans(self) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        return [span for span in list(self.spans) if "openqualify.request_id" in span[1]]


def _value(any_value: Any) -> Any:
    return getattr(any_value, any_value.WhichOneof("value")) if any_value.WhichOneof("value") else None


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(url, timeout=30)  # a new connection: any worker may answer
    assert response.status_code == 200, response.text
    return _samples(response.text)


def _until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def _org_requests_in(path: Path) -> float:
    """The `GET /v1/org` 2xx count in one worker's file of the multiprocess mode."""
    values = MmapedDict(str(path), read_mode=True)
    try:
        return sum(
            value for key, value, _ in values.read_all_values()
            if json.loads(key)[:3] == ["openqualify_http_requests", "openqualify_http_requests_total",
                                       {"route": "/v1/org", "method": "GET", "status_class": "2xx"}]
        )
    finally:
        values.close()


def _workers(server: ServerProcess) -> set[int]:
    """The worker processes alive now (uvicorn logs each one's start)."""
    started = {int(pid) for pid in re.findall(r"Started server process \[(\d+)\]", server.log())}
    return {pid for pid in started if Path(f"/proc/{pid}").exists() and _running(pid)}


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.fixture
def collector() -> Iterator[Collector]:
    with Collector() as running:
        yield running


@pytest.mark.parametrize("workers", [1, 2], ids=["one-worker", "two-workers"])
def test_counts_request_ids_and_traces_of_every_worker(
    workers: int, database_url: str, org_factory: Callable[[str], Org], collector: Collector, tmp_path: Path
) -> None:
    env = {
        "OPENQUALIFY_LOG_FORMAT": "json",
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # milliseconds between the batches of spans
    }
    if workers > 1:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")  # the operator's (else serve makes one)
    with running_server(database_url, "--workers", str(workers), env=env) as server:
        org = org_factory(server.base_url)
        headers = {"Authorization": f"Bearer {org.token}"}
        ids = [f"live-{workers}-{n}" for n in range(REQUESTS)]

        def send(some: list[str]) -> None:
            for rid in some:  # a connection per request: the kernel hands them to either worker
                checked(httpx.get(f"{server.base_url}/v1/org", headers={**headers, "X-Request-Id": rid}, timeout=30))

        threads = [threading.Thread(target=send, args=(ids[n::3],)) for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for _ in range(6):  # whichever worker answers, it answers for all of them
            samples = _scrape(f"{server.base_url}/metrics")
            assert samples[("openqualify_http_requests_total", ORG_ROUTE)] == REQUESTS
            assert samples[("openqualify_http_requests_in_flight", ())] == 0
            assert samples[("openqualify_db_pool_connections_in_use", (("pool", "units_of_work"),))] == 0
        if workers == 2:  # each worker's values in its files
            files = {name for name in os.listdir(tmp_path / "metrics") if name.startswith("counter_")}
            assert {f"counter_{pid}.db" for pid in _workers(server)} <= files

        # Each request's id: in its answer, its access log line (JSON) and its server span.
        def logged() -> dict[str, dict[str, Any]]:
            lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
            return {r["request_id"]: r for r in lines if r.get("logger") == "openqualify.access" and "request_id" in r}

        _until(lambda: set(ids) <= set(logged()), "every request's access log line")
        assert all(logged()[rid]["path"] == "/v1/org" and logged()[rid]["status"] == 200 for rid in ids)
        _until(lambda: set(ids) <= {a["openqualify.request_id"] for _, a, _ in collector.server_spans()},
               "every request's span at the collector")
    spans = [s for s in collector.server_spans() if s[1]["openqualify.request_id"] in ids]
    assert {name for name, _, _ in spans} == {"GET /v1/org"}
    assert {attributes["openqualify.operation"] for _, attributes, _ in spans} == {"GET /v1/org"}
    assert {resource["service.name"] for _, _, resource in spans} == {"openqualify"}
    assert len({resource["process.pid"] for _, _, resource in spans}) <= workers
    every_value = json.dumps([s[1] for s in collector.spans] + [s[2] for s in collector.spans], default=str)
    assert org.token not in every_value


def test_a_port_of_their_own_and_a_killed_worker(
    database_url: str, org_factory: Callable[[str], Org], tmp_path: Path
) -> None:
    metrics_port = free_port()
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_999999.db").write_bytes(b"stale")  # a previous run's file: emptied at start
    env = {
        "OPENQUALIFY_MODE": "production",
        "OPENQUALIFY_METRICS": str(metrics_port),
        "OPENQUALIFY_LOG_ACCESS": "true",
        "OPENQUALIFY_RATE_LIMIT_PER_MINUTE": "0",
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
    }
    with running_server(database_url, "--workers", "2", env=env) as server:
        metrics_url = f"http://127.0.0.1:{metrics_port}"
        assert not (directory / "counter_999999.db").exists()
        assert f"Metrics: http://127.0.0.1:{metrics_port}/metrics  (their own port)" in server.log()
        assert httpx.get(f"{server.base_url}/metrics", timeout=30).status_code == 404  # not on the API's port
        assert httpx.get(f"{metrics_url}/v1/org", timeout=30).status_code == 404  # nothing else on the metrics port
        org = org_factory(server.base_url)
        headers = {"Authorization": f"Bearer {org.token}"}
        for n in range(REQUESTS):
            checked(httpx.get(f"{server.base_url}/v1/org", headers={**headers, "X-Request-Id": f"port-{n}"},
                              timeout=30))
        before = _scrape(f"{metrics_url}/metrics")[("openqualify_http_requests_total", ORG_ROUTE)]
        assert before == REQUESTS
        # text logs: the id after the logger's name
        assert "openqualify.access [port-7]: GET /v1/org 200 " in server.log()

        workers = _workers(server)
        assert len(workers) == 2
        served = {pid: _org_requests_in(directory / f"counter_{pid}.db") for pid in workers}
        assert sum(served.values()) == REQUESTS
        victim = max(served, key=lambda pid: served[pid])  # a worker that served some of them
        os.kill(victim, signal.SIGKILL)
        _until(lambda: len(_workers(server) - workers) == 1, "a new worker in place of the killed one")
        _until(lambda: not (directory / f"gauge_livesum_{victim}.db").exists(), "the dead worker's gauges forgotten")
        assert _org_requests_in(directory / f"counter_{victim}.db") == served[victim]  # its counts stay
        _until(lambda: httpx.get(f"{server.base_url}/ready", timeout=30).status_code == 200, "ready again")
        after = _scrape(f"{metrics_url}/metrics")
        assert after[("openqualify_http_requests_total", ORG_ROUTE)] == REQUESTS  # counts survive the worker
        assert after[("openqualify_http_requests_in_flight", ())] == 0
