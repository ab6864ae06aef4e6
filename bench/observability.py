#!/usr/bin/env python3
"""What metrics and traces cost: `GET /v1/offerings/{id}` in production mode with each of them off and on.

Usage: .venv/bin/python bench/observability.py [--db URL] [--rounds 3] [--duration 8] [--connections 16]
                                               [--baseline-src PATH]

In one run, on one database: `openqualify serve --demo` in production mode (token cache on, rate limiting off)
four times side by side, on the same data: metrics off and traces off (the default), metrics on
(`OPENQUALIFY_METRICS=on`, scraped every 5 s as Prometheus would), traces on (`OTEL_EXPORTER_OTLP_ENDPOINT` to an
OTLP/HTTP sink in this process that reads and drops every batch, so the exporter does its real work), and both.
`--baseline-src` adds the same server from another source tree (e.g. `git archive main | tar -x -C /tmp/main`,
then `--baseline-src /tmp/main/src`): the code before observability existed, to see what "off" costs. Each server
is measured with wrk (1 thread, 16 connections) in alternating rounds; medians are printed as Markdown and written
to bench/results/observability-<backend>.json. Needs `wrk`.
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from _server import free_port, parse_wrk, start, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-0123456789abcdefghijklmn"
SCRAPE_EVERY_S = 5.0


class Sink(BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver that reads each batch and answers 200 (an empty ExportTraceServiceResponse)."""

    received = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Sink.received += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


def variants(sink_url: str, baseline: str | None) -> dict[str, dict[str, str]]:
    off = {"OPENQUALIFY_METRICS": "off"}
    traces = {"OTEL_EXPORTER_OTLP_ENDPOINT": sink_url}
    found = {
        "metrics off, traces off": off,
        "metrics on, traces off": {"OPENQUALIFY_METRICS": "on"},
        "metrics off, traces on": {**off, **traces},
        "metrics on, traces on": {"OPENQUALIFY_METRICS": "on", **traces},
        "metrics on, traces on, 10 % sampled": {
            "OPENQUALIFY_METRICS": "on", **traces,
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1",
        },
    }
    if baseline:
        found = {"before (no observability)": {"PYTHONPATH": baseline}, **found}
    return found


def wrk(url: str, duration: int, connections: int) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-H", f"Authorization: Bearer {TOKEN}"]
    return parse_wrk(subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout,
                     ("50", "99"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--baseline-src")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="oq-observability-"))
    db = args.db or f"sqlite:///{work / 'bench.db'}"
    backend = "postgresql" if db.startswith("postgresql") else "sqlite"

    sink = ThreadingHTTPServer(("127.0.0.1", free_port()), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    sink_url = f"http://127.0.0.1:{sink.server_address[1]}"

    servers: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENQUALIFY_", "OTEL_", "PROMETHEUS_"))}
    try:
        for name, extra in variants(sink_url, args.baseline_src).items():  # one after another: one migrates
            port = free_port()
            env = {
                **clean, "OPENQUALIFY_MODE": "production", "OPENQUALIFY_DEMO_TOKEN": TOKEN,
                "OPENQUALIFY_RATE_LIMIT_PER_MINUTE": "0", "OTEL_BSP_SCHEDULE_DELAY": "1000", **extra,
            }
            command = [sys.executable, "-m", "openqualify.cli.main", "serve", "--db", db, "--port", str(port), "--demo"]
            process = start(command, env)
            base = f"http://127.0.0.1:{port}"
            wait_ready(f"{base}/v1/org", headers, process)
            servers[name] = (base, process)
        first = next(iter(servers.values()))[0]
        offering = httpx.get(f"{first}/v1/offerings/current", headers=headers, timeout=30).json()[0]["id"]

        scraping = threading.Event()

        def scrape() -> None:  # as Prometheus would, every few seconds
            while not scraping.wait(SCRAPE_EVERY_S):
                for base, _ in servers.values():
                    httpx.get(f"{base}/metrics", timeout=30)

        threading.Thread(target=scrape, daemon=True).start()
        results: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
        load_before = os.getloadavg()[0]
        for _ in range(args.rounds):
            for name, (base, _) in servers.items():
                results[name].append(wrk(f"{base}/v1/offerings/{offering}", args.duration, args.connections))
        scraping.set()
    finally:
        for _, process in servers.values():
            stop(process)
        sink.shutdown()

    baseline_name = "metrics off, traces off"
    summary = {
        name: {
            "rps": statistics.median(r["rps"] for r in runs),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p99_ms": statistics.median(r["p99_ms"] for r in runs),
            "non_2xx": sum(r["non_2xx"] for r in runs),
            "runs": runs,
        }
        for name, runs in results.items()
    }
    print(f"\n{backend}, GET /v1/offerings/{{id}}, {args.connections} connections, {args.rounds} rounds of "
          f"{args.duration} s (load average before: {load_before:.1f}); {Sink.received} span batches received\n")
    print("| variant | req/s | vs. metrics and traces off | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for name, row in summary.items():
        share = row["rps"] / summary[baseline_name]["rps"] * 100
        print(f"| {name} | {row['rps']:,.0f} | {share:.0f} % | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} |")
    out = ROOT / "bench" / "results" / f"observability-{backend}.json"
    out.write_text(json.dumps({
        "measured": time.strftime("%Y-%m-%d %H:%M"), "database": backend, "connections": args.connections,
        "rounds": args.rounds, "duration_s": args.duration, "load_average_before": load_before,
        "span_batches_received": Sink.received, "variants": summary,
    }, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
