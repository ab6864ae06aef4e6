#!/usr/bin/env python3
"""The recording proxy's overhead per request: the same reads direct and through `openqualify proxy`.

Usage: .venv/bin/python bench/proxy.py [--rounds 5] [--requests 200] [--record]
Starts `openqualify serve --demo` (one worker, a temporary SQLite file) and `openqualify proxy` in front of it,
then sends the same GETs one at a time, alternating direct and proxied request by request (so both sides see the
same machine load): an offering (1 KB), the organisation's offerings (10 KB) and an offering's members (15 KB).
Prints p50/p95 per side and the difference, writes bench/results/proxy.json. With --record the proxy also
writes its recording.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _server import free_port, start, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-0123456789abcdefghijklmn"
OFFERING = "-NjnTPv-5HTwQ5j2Wqek"
PATHS = [f"/offerings/{OFFERING}", "/offerings", f"/offerings/{OFFERING}/users"]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200, help="per path, side and round")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="oq-bench-proxy-"))
    api_port, proxy_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OPENQUALIFY_LOG_ACCESS": "false"}
    exe = [sys.executable, "-m", "openqualify.cli.main"]
    server = start([*exe, "serve", "--demo", "--token", TOKEN, "--db", f"sqlite:///{scratch}/bench.db",
                    "--port", str(api_port)], env)  # fmt: skip
    proxy_args = [*exe, "proxy", "--upstream", f"http://127.0.0.1:{api_port}/v1", "--port", str(proxy_port),
                  "--log-level", "warning"]  # fmt: skip
    if args.record:
        proxy_args += ["--record", str(scratch / "rec")]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        wait_ready(f"http://127.0.0.1:{api_port}/v1/org", headers, server)
        proxy = start(proxy_args, env)
        try:
            wait_ready(f"http://127.0.0.1:{proxy_port}/v1/org", headers, proxy)
            results = measure(api_port, proxy_port, headers, args.rounds, args.requests)
        finally:
            stop(proxy)
    finally:
        stop(server)
    load = os.getloadavg()[0]
    out = {"load_before": load, "record": args.record, "rounds": args.rounds, "requests": args.requests, **results}
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    name = "proxy-record.json" if args.record else "proxy.json"
    (ROOT / "bench" / "results" / name).write_text(json.dumps(out, indent=2) + "\n")
    print("| path | bytes | direct p50 | proxied p50 | overhead p50 | direct p95 | proxied p95 |")
    print("|---|---|---|---|---|---|---|")
    for path, row in results["paths"].items():
        print(f"| `{path}` | {row['bytes']} | {row['direct_p50_ms']:.2f} | {row['proxied_p50_ms']:.2f} | "
              f"{row['overhead_p50_ms']:.2f} | {row['direct_p95_ms']:.2f} | {row['proxied_p95_ms']:.2f} |")


def measure(api_port: int, proxy_port: int, headers: dict[str, str], rounds: int, requests: int) -> dict[str, object]:
    direct_base, proxied_base = f"http://127.0.0.1:{api_port}/v1", f"http://127.0.0.1:{proxy_port}/v1"
    timings: dict[str, dict[str, list[float]]] = {p: {"direct": [], "proxied": []} for p in PATHS}
    sizes: dict[str, int] = {}
    with httpx.Client(headers=headers, timeout=30) as http:
        for path in PATHS:  # warm both sides
            for base in (direct_base, proxied_base):
                for _ in range(20):
                    http.get(base + path).raise_for_status()
        for _ in range(rounds):
            for path in PATHS:
                for _ in range(requests):
                    for side, base in (("direct", direct_base), ("proxied", proxied_base)):
                        started = time.perf_counter()
                        response = http.get(base + path)
                        timings[path][side].append((time.perf_counter() - started) * 1000)
                        response.raise_for_status()
                        sizes[path] = len(response.content)
    paths = {}
    for path, sides in timings.items():
        direct, proxied = sides["direct"], sides["proxied"]
        paths[path] = {
            "bytes": sizes[path],
            "direct_p50_ms": statistics.median(direct),
            "proxied_p50_ms": statistics.median(proxied),
            "overhead_p50_ms": statistics.median(proxied) - statistics.median(direct),
            "direct_p95_ms": percentile(direct, 95),
            "proxied_p95_ms": percentile(proxied, 95),
        }
    return {"paths": paths}


if __name__ == "__main__":
    main()
