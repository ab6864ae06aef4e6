#!/usr/bin/env python3
"""Scale benchmark: latency of the organisation-wide and per-offering reads on a large organisation.

Usage:
  .venv/bin/python bench/scale.py --build bench/results/scale-build-<backend>-<preset>.json [--db URL]
  .venv/bin/python bench/scale.py --db URL --token T --offering ID [--preset NAME]

Starts `openqualify serve` (one worker) on a free loopback port against the database built by
bench/large_org.py, then runs wrk (2 threads, 16 connections, 10 s by default) on each endpoint, with a Lua
`done` callback that prints p50/p95/p99 exactly. Before wrk, each endpoint is called sequentially a few times
to record its status, body size, item count and unloaded (one request at a time) latency. Writes
bench/results/scale-<backend>-<preset>.json and prints a Markdown table. Needs `wrk`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from _server import free_port, start, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 100.0
SEQUENTIAL_RUNS = 5

LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("SCALE p50=%d p95=%d p99=%d max=%d requests=%d non2xx=%d errors=%d duration=%d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, summary.requests,
    e.status, e.connect + e.read + e.write + e.timeout, summary.duration))
end
"""


def endpoints(big: str) -> list[tuple[str, str]]:
    """(label, path with query) of every measured read."""
    by_mail = quote("endswith(email,'.example')", safe="")
    in_big = quote(f"offerings/any(o: o/id eq '{big}')", safe="")
    return [
        ("users/all/progress $top=50", "/users/all/progress?$top=50"),
        ("users/all/progress $top=50 $filter=endswith(email)", f"/users/all/progress?$top=50&$filter={by_mail}"),
        ("users/all/progress $top=50 $filter=offerings/any(big)", f"/users/all/progress?$top=50&$filter={in_big}"),
        ("offerings/{big}/analytics/learners-progress", f"/offerings/{big}/analytics/learners-progress"),
        ("offerings/{big}/analytics/marks/assignments", f"/offerings/{big}/analytics/marks/assignments"),
        ("offerings/{big}/analytics/pulses/responses", f"/offerings/{big}/analytics/pulses/responses"),
    ]


def sequential(client: httpx.Client, url: str) -> dict[str, Any]:
    """Status, size and item count of the answer, and its latency one request at a time (median of a few)."""
    times = []
    response = None
    for _ in range(SEQUENTIAL_RUNS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    assert response is not None
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
    items = len(body) if isinstance(body, list) else len(body.get("data", {}).get("progress", [])) if body else 0
    return {"status": response.status_code, "bytes": len(response.content), "items": items,
            "sequential_median_ms": round(statistics.median(times), 1)}


def wrk(url: str, token: str, duration: int, connections: int, script: Path) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "60s", "-s", str(script),
               "-H", f"Authorization: Bearer {token}", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"SCALE (.*)", output)
    if match is None:
        raise SystemExit(f"wrk gave no summary:\n{output}")
    values = {k: float(v) for k, v in (pair.split("=") for pair in match.group(1).split())}
    return {
        "p50_ms": round(values["p50"] / 1000, 1),
        "p95_ms": round(values["p95"] / 1000, 1),
        "p99_ms": round(values["p99"] / 1000, 1),
        "max_ms": round(values["max"] / 1000, 1),
        "rps": round(values["requests"] / (values["duration"] / 1e6), 1),
        "requests": values["requests"],
        "non_2xx": values["non2xx"],
        "socket_errors": values["errors"],
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", help="build report written by bench/large_org.py")
    parser.add_argument("--db", help="database URL (default: the one of the build report's backend)")
    parser.add_argument("--token")
    parser.add_argument("--offering", help="id of the big offering")
    parser.add_argument("--preset", help="label of the data set (default: the build report's)")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", help="measure only endpoints whose label contains this text")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    build: dict[str, Any] = json.loads(Path(args.build).read_text()) if args.build else {}
    token = args.token or build.get("token")
    big = args.offering or build.get("big_offering_id")
    db = args.db or build.get("db")
    if not (token and big and db):
        raise SystemExit("need --db, --token and --offering (or a --build report that names them)")
    backend = "postgresql" if db.startswith("postgresql") else "sqlite"
    preset = args.preset or build.get("preset_name", "custom")

    scratch = Path(tempfile.mkdtemp(prefix="oq-scale-"))
    script = scratch / "p95.lua"
    script.write_text(LUA)
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    headers = {"Authorization": f"Bearer {token}"}
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = start([sys.executable, "-m", "openqualify.cli.main", "serve", "--db", db, "--port", str(port)], env)
    results: dict[str, Any] = {
        "backend": backend, "preset": preset, "connections": args.connections, "duration_s": args.duration,
        "workers": 1, "cpus": os.cpu_count(), "target_p95_ms": TARGET_P95_MS,
        "build": {k: v for k, v in build.items() if k != "token"}, "endpoints": {},
    }
    try:
        wait_ready(f"{base}/org", headers, server)
        with httpx.Client(headers=headers, timeout=120) as client:
            for label, path in endpoints(big):
                if args.only and args.only not in label:
                    continue
                url = base + path
                row = sequential(client, url)
                row["load_before"] = load_average()
                row.update(wrk(url, token, args.duration, args.connections, script))
                row["load_after"] = load_average()
                # No request finished within the run: slower than the whole window, certainly not on target.
                row["meets_target"] = row["requests"] > 0 and row["p95_ms"] < TARGET_P95_MS and row["status"] == 200
                results["endpoints"][label] = row
                print(f"{label}: {row}", flush=True)
    finally:
        stop(server)
    suffix = "" if not args.only else "-partial"
    out = ROOT / "bench" / "results" / f"scale-{backend}-{preset}{suffix}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n| endpoint ({backend}, {preset}, {args.connections} conn., 1 worker) | items | KiB | 1 conn. ms "
          "| p50 ms | p95 ms | req/s | p95 < 100 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for label, row in results["endpoints"].items():
        print(f"| {label} | {row['items']} | {row['bytes'] / 1024:.0f} | {row['sequential_median_ms']} | "
              f"{row['p50_ms']} | {row['p95_ms']} | {row['rps']} | {'yes' if row['meets_target'] else 'no'} |")
    print(f"\nwritten {out}")


if __name__ == "__main__":
    main()
