#!/usr/bin/env python3
"""Core benchmark (issue: foundation): read latency/throughput and bulk enrolment, against a ceiling.

Usage: .venv/bin/python bench/core.py [--db URL] [--duration 10] [--connections 16]
Starts `openqualify serve --demo` (one worker) on a fresh database (a temporary SQLite file by default), then
measures with wrk on loopback: GET /v1/offerings/{id}, GET /v1/offerings, and a bare FastAPI app serving the same
bytes as the ceiling; then times bulk POST /v1/offerings/{id}/users of 1,000 users (3 runs). Prints a Markdown
table and writes bench/results/core-<backend>.json. Needs `wrk` (Debian package).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _server import free_port, parse_wrk, start, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-0123456789abcdefghijklmn"
BULK_SIZE = 1000
BULK_RUNS = 3


def wrk(url: str, headers: dict[str, str], duration: int, connections: int) -> dict[str, float]:
    """Run wrk (2 threads) and parse requests/s and latency percentiles (ms)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(output, ("50", "75", "90", "99"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    scratch = Path(tempfile.mkdtemp(prefix="oq-bench-"))
    db = args.db or f"sqlite:///{scratch}/bench.db"
    backend = "postgresql" if db.startswith("postgresql") else "sqlite"
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    # Production mode, as self-hosters run it (principal cache on); the demo organisation is created anyway.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OPENQUALIFY_MODE": "production"}
    exe = [sys.executable, "-m", "openqualify.cli.main"]
    serve = [*exe, "serve", "--demo", "--token", TOKEN, "--db", db, "--port", str(port), "--workers", str(args.workers)]
    server = start(serve, env)
    results: dict[str, object] = {
        "backend": backend, "connections": args.connections, "duration_s": args.duration, "workers": args.workers,
        "load_average_before": os.getloadavg()[0],
    }
    try:
        wait_ready(f"{base}/org", headers, server)
        offerings = httpx.get(f"{base}/offerings", headers=headers).json()
        offering_id = offerings[0]["id"]
        one_url = f"{base}/offerings/{offering_id}"
        body = httpx.get(one_url, headers=headers).content
        results["get_offering"] = wrk(one_url, headers, args.duration, args.connections)
        results["list_offerings"] = wrk(f"{base}/offerings", headers, args.duration, args.connections)
        results["list_offerings_count"] = len(offerings)

        bulk_times = []
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            target = client.post(
                "/offerings", json={"rootContentId": offerings[0]["metadata"]["rootContentId"],
                                    "start": "2030-01-01T00:00:00Z", "name": "Bulk target"}
            ).json()["id"]
            for run in range(BULK_RUNS):
                users = [
                    {"email": f"bulk{run}.{i}@bench.example", "firstName": "Bulk", "lastName": f"User{i}"}
                    for i in range(BULK_SIZE)
                ]
                started = time.perf_counter()
                response = client.post(f"/offerings/{target}/users", json=users)
                bulk_times.append(time.perf_counter() - started)
                assert response.status_code == 201, response.text[:300]
        results["bulk_add_1000_s"] = bulk_times
    finally:
        stop(server)

    body_file = scratch / "body.json"
    body_file.write_bytes(body)
    ceiling_port = free_port()
    ceiling = start(
        [sys.executable, "-m", "uvicorn", "ceiling_app:app", "--port", str(ceiling_port), "--log-level", "warning",
         "--no-access-log", "--app-dir", str(ROOT / "bench")],
        {**env, "BENCH_CEILING_BODY": str(body_file)},
    )
    try:
        ceiling_url = f"http://127.0.0.1:{ceiling_port}/v1/offerings/{offering_id}"
        wait_ready(ceiling_url, {}, ceiling)
        results["ceiling"] = wrk(ceiling_url, {}, args.duration, args.connections)
    finally:
        stop(ceiling)

    suffix = f"-{args.workers}w" if args.workers > 1 else ""
    out = ROOT / "bench" / "results" / f"core-{backend}{suffix}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    one, many, top = results["get_offering"], results["list_offerings"], results["ceiling"]
    workers = f"{args.workers} worker" + ("s" if args.workers > 1 else "")
    print(f"| measure ({backend}, {args.connections} connections, {workers}) | req/s | p50 ms | p99 ms |")
    print("|---|---|---|---|")
    for label, row in (("GET /v1/offerings/{id}", one), (f"GET /v1/offerings ({len(offerings)})", many),
                       ("ceiling: bare FastAPI, same bytes", top)):
        print(f"| {label} | {row['rps']:.0f} | {row.get('p50_ms', 0):.2f} | {row.get('p99_ms', 0):.2f} |")
    print(f"\nGET one offering = {one['rps'] / top['rps']:.0%} of the ceiling")
    print(f"bulk add of {BULK_SIZE} users: " + ", ".join(f"{t:.2f} s" for t in bulk_times))


if __name__ == "__main__":
    main()
