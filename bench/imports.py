#!/usr/bin/env python3
"""Sandbox import and reset of a large organisation, and what another organisation sees meanwhile (issue 19.7).

Usage: .venv/bin/python bench/imports.py [--db URL] [--extra 20000] [--runs 2] [--out NAME]
Starts `openqualify serve --demo` (one worker, sandbox mode) on a fresh database (a temporary SQLite file by
default). A second organisation loads the demo and enrols `--extra` more learners in one of its offerings (bulk
adds of 10,000); its export is then imported again (`--runs` times) and finally reset. During each import and the
reset, the demo organisation (the victim) reads `GET /v1/org` back to back and writes (`PATCH /v1/users/{e}`)
every 250 ms, each on its own connection; the figures are the operation's duration and the victim's read and
write latencies (max and p50) and status codes. Writes bench/results/imports-<backend>[-NAME].json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from _server import free_port, start, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
VICTIM_TOKEN = "bench-victim-0123456789abcdefghijklmn"
BIG_TOKEN = "bench-big-org-0123456789abcdefghijklmn"
BULK = 10_000
OPERATION_TIMEOUT_S = 600


class Victim:
    """Reads and writes of another organisation while an operation runs, with their latencies."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.stop = threading.Event()
        self.reads: list[tuple[float, int]] = []
        self.writes: list[tuple[float, int]] = []
        self.threads = [threading.Thread(target=self._read), threading.Thread(target=self._write)]

    def _timed(self, client: httpx.Client, method: str, path: str, **kwargs: Any) -> tuple[float, int]:
        started = time.perf_counter()
        try:
            status = client.request(method, self.base + path, **kwargs).status_code
        except httpx.HTTPError:
            status = 0
        return (time.perf_counter() - started) * 1000, status

    def _read(self) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {VICTIM_TOKEN}"}, timeout=120) as client:
            while not self.stop.is_set():
                self.reads.append(self._timed(client, "GET", "/v1/org"))
                time.sleep(0.02)

    def _write(self) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {VICTIM_TOKEN}"}, timeout=120) as client:
            users = client.get(self.base + "/v1/offerings").json()
            offering = users[0]["id"]
            email = client.get(f"{self.base}/v1/offerings/{offering}/users").json()[0]["email"]
            n = 0
            while not self.stop.is_set():
                n += 1
                self.writes.append(self._timed(client, "PATCH", f"/v1/users/{email}", json={"lastName": f"Bench {n}"}))
                time.sleep(0.25)

    def __enter__(self) -> Victim:
        for thread in self.threads:
            thread.start()
        time.sleep(0.3)
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.3)
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=150)

    @staticmethod
    def _summary(samples: list[tuple[float, int]]) -> dict[str, Any]:
        times = [ms for ms, _ in samples]
        codes: dict[str, int] = {}
        for _, status in samples:
            codes[str(status)] = codes.get(str(status), 0) + 1
        return {
            "count": len(samples),
            "p50_ms": round(statistics.median(times), 1) if times else None,
            "max_ms": round(max(times), 1) if times else None,
            "statuses": codes,
        }

    def summary(self) -> dict[str, Any]:
        return {"reads": self._summary(self.reads), "writes": self._summary(self.writes)}


def timed(client: httpx.Client, method: str, url: str, **kwargs: Any) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = client.request(method, url, **kwargs)
    return time.perf_counter() - started, response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--extra", type=int, default=20_000, help="learners added to the big organisation")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--out", default="", help="suffix of the result file")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="oq-bench-"))
    db = args.db or f"sqlite:///{scratch}/bench.db"
    backend = "postgresql" if db.startswith("postgresql") else "sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    exe = [sys.executable, "-m", "openqualify.cli.main"]
    subprocess.run([*exe, "db", "upgrade", "--db", db], env=env, check=True, capture_output=True)
    subprocess.run([*exe, "org", "create", "Big", "--token", BIG_TOKEN, "--db", db], env=env, check=True,
                   capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start([*exe, "serve", "--demo", "--token", VICTIM_TOKEN, "--db", db, "--port", str(port)], env)
    report: dict[str, Any] = {"backend": backend, "extra_learners": args.extra, "load_before": os.getloadavg()}
    try:
        wait_ready(f"{base}/v1/org", {"Authorization": f"Bearer {VICTIM_TOKEN}"}, process)
        big = httpx.Client(headers={"Authorization": f"Bearer {BIG_TOKEN}"}, timeout=OPERATION_TIMEOUT_S)
        assert big.post(f"{base}/_sandbox/demo").status_code == 201
        offering = big.get(f"{base}/v1/offerings").json()[0]["id"]
        for start_at in range(0, args.extra, BULK):
            items = [
                {"email": f"extra{i}@bench.example", "firstName": "Extra", "lastName": f"Learner {i}"}
                for i in range(start_at, min(args.extra, start_at + BULK))
            ]
            response = big.post(f"{base}/v1/offerings/{offering}/users", json=items)
            assert response.status_code == 201, response.text[:300]
        export_seconds, exported = timed(big, "GET", f"{base}/_sandbox/export")
        document = exported.json()
        rows = sum(len(v) for v in document["tables"].values())
        report.update(export_s=round(export_seconds, 2), rows=rows, body_mb=round(len(exported.content) / 2**20, 1))
        print(f"export: {rows} rows, {report['body_mb']} MB, {export_seconds:.2f} s", flush=True)
        body = exported.content
        runs = []
        for run in range(args.runs):
            with Victim(base) as victim:
                seconds, response = timed(
                    big, "POST", f"{base}/_sandbox/import", content=body, headers={"Content-Type": "application/json"}
                )
            runs.append({"seconds": round(seconds, 2), "status": response.status_code, **victim.summary()})
            print(f"import {run + 1}: {response.status_code} {seconds:.2f} s, victim {victim.summary()}", flush=True)
        report["imports"] = runs
        with Victim(base) as victim:
            seconds, response = timed(big, "POST", f"{base}/_sandbox/reset")
        report["reset"] = {"seconds": round(seconds, 2), "status": response.status_code,
                           "tables": response.json().get("tables"), **victim.summary()}
        print(f"reset: {response.status_code} {seconds:.2f} s, victim {victim.summary()}", flush=True)
    finally:
        stop(process)
    suffix = f"-{args.out}" if args.out else ""
    path = ROOT / "bench" / "results" / f"imports-{backend}{suffix}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
