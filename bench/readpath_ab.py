#!/usr/bin/env python3
"""Two versions of the code side by side, same run, same database: the read path's guard rail (issue 22).

Usage: .venv/bin/python bench/readpath_ab.py --before /work/main [--after .] [--db URL] [--rounds 3]
       [--duration 5] [--connections 16] [--runs 7]

Starts `openqualify serve --demo` (production mode: token cache on, rate limiting off; list cache off, so that a
list costs its work) from the source tree `--before` and from `--after` on one database (a temporary SQLite file
by default, or `--db`), with this interpreter (same dependencies). Then, alternating between the two so that the
machine's drifts hit both alike:
- `GET /v1/offerings/{id}` with wrk (1 thread, `--connections`), `--rounds` x `--duration` s after a warm-up;
- every whole-offering list of the demo's biggest offering (bench/lists.py's list, the demo's ids), one request
  at a time, `--runs` each: the median time per list.
Prints a Markdown table with medians and the machine's load average before and after; writes
bench/results/readpath-<backend>.json. Needs `wrk`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _server import free_port, parse_wrk, start, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-0123456789abcdefghijklmn"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def wrk(url: str, duration: int, connections: int) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-H", f"Authorization: Bearer {TOKEN}"]
    return parse_wrk(subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout, ("50", "99"))


def whole_offering_lists(base: str) -> list[tuple[str, str]]:
    """(label, path under /v1) of the whole-offering lists of the demo's offering with the most learners."""
    summary = httpx.get(f"{base}/offerings/summary", headers=HEADERS).json()
    o = max(summary, key=lambda row: row["learnersCount"])["id"]
    channels = httpx.get(f"{base}/offerings/{o}/channels", headers=HEADERS).json()
    assessments = httpx.get(f"{base}/offerings/{o}/assessments", headers=HEADERS).json()
    pulses = httpx.get(f"{base}/offerings/{o}/analytics/pulses", headers=HEADERS).json()
    paths = [
        ("learners-progress", f"/offerings/{o}/analytics/learners-progress"),
        ("marks/assignments", f"/offerings/{o}/analytics/marks/assignments"),
        ("marks/quizzes", f"/offerings/{o}/analytics/marks/quizzes"),
        ("submissions/assignments", f"/offerings/{o}/analytics/submissions/assignments"),
        ("activities/responses", f"/offerings/{o}/analytics/activities/responses"),
        ("pulses/responses", f"/offerings/{o}/analytics/pulses/responses"),
        ("unit-reactions", f"/offerings/{o}/analytics/unit-reactions"),
        ("social-notes", f"/offerings/{o}/analytics/social-notes"),
        ("users", f"/offerings/{o}/users"),
        ("learners/pending-submission", f"/offerings/{o}/learners/pending-submission?days=36500"),
    ]
    open_response = [a for a in assessments if a.get("type") == "open-response"]
    if open_response:
        paths.append(("submissions/open-response/{id}",
                      f"/offerings/{o}/analytics/submissions/open-response/{open_response[0]['id']}"))
    if channels:
        paths.append(("channels/{id}/posts", f"/offerings/{o}/analytics/channels/{channels[0]['id']}/posts"))
    if pulses:
        paths.append(("pulses/{id}/responses", f"/offerings/{o}/analytics/pulses/{pulses[0]}/responses"))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True, help="source tree of the code before (its src/ is used)")
    parser.add_argument("--after", default=str(ROOT))
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="oq-readpath-"))
    db = args.db or f"sqlite:///{scratch}/bench.db"
    backend = "postgresql" if db.startswith("postgresql") else "sqlite"
    trees = {"before": Path(args.before).resolve(), "after": Path(args.after).resolve()}
    commits = {
        name: subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
        for name, tree in trees.items()
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    ports = {name: free_port() for name in trees}
    results: dict[str, Any] = {"backend": backend, "commits": commits, "load_average_before": os.getloadavg()}
    try:
        for name, tree in trees.items():  # one after the other: the first creates the demo, the second finds it
            env = {**os.environ, "PYTHONPATH": str(tree / "src"), "OPENQUALIFY_MODE": "production",
                   "OPENQUALIFY_RATE_LIMIT_PER_MINUTE": "0", "OPENQUALIFY_LIST_CACHE_MB": "0"}
            command = [sys.executable, "-m", "openqualify.cli.main", "serve", "--demo", "--token", TOKEN,
                       "--db", db, "--port", str(ports[name])]
            processes[name] = start(command, env)
            wait_ready(f"http://127.0.0.1:{ports[name]}/v1/org", HEADERS, processes[name])
        bases = {name: f"http://127.0.0.1:{port}/v1" for name, port in ports.items()}
        current = httpx.get(f"{bases['after']}/offerings/current", headers=HEADERS).json()
        offering_id = max(current, key=lambda o: 1 if o.get("tasksEnabled") else 0)["id"]

        single: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for name in trees:
            wrk(f"{bases[name]}/offerings/{offering_id}", 2, args.connections)  # warm-up, not counted
        for _ in range(args.rounds):
            for name in trees:
                single[name].append(wrk(f"{bases[name]}/offerings/{offering_id}", args.duration, args.connections))
        results["GET /offerings/{id}"] = {
            name: {key: statistics.median(run[key] for run in runs) for key in runs[0]} for name, runs in single.items()
        }

        lists: dict[str, dict[str, Any]] = {}
        with httpx.Client(headers=HEADERS, timeout=120) as client:
            for label, path in whole_offering_lists(bases["after"]):
                timings: dict[str, list[float]] = {name: [] for name in trees}
                sizes: dict[str, int] = {}
                for name in trees:  # warm-up; both versions must answer the same bytes
                    response = client.get(bases[name] + path)
                    assert response.status_code == 200, (name, path, response.text[:200])
                    sizes[name] = len(response.content)
                assert sizes["before"] == sizes["after"], (label, sizes)
                for _ in range(args.runs):
                    for name in trees:
                        started = time.perf_counter()
                        client.get(bases[name] + path).raise_for_status()
                        timings[name].append((time.perf_counter() - started) * 1000)
                lists[label] = {name: statistics.median(values) for name, values in timings.items()}
                lists[label]["bytes"] = sizes["after"]
        results["lists_ms"] = lists
        results["load_average_after"] = os.getloadavg()
    finally:
        for process in processes.values():
            stop(process)

    out = ROOT / "bench" / "results" / f"readpath-{backend}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    one = results["GET /offerings/{id}"]
    print(f"{backend}; before {commits['before']}, after {commits['after']}; load average "
          f"{results['load_average_before'][0]:.1f} -> {results['load_average_after'][0]:.1f}")
    print(f"GET /offerings/{{id}}, wrk -t1 -c{args.connections}, {args.rounds} x {args.duration} s, medians:")
    print(f"| | before | after |\n|---|---|---|\n| req/s | {one['before']['rps']:.0f} | {one['after']['rps']:.0f} |")
    print(f"| p99 ms | {one['before'].get('p99_ms', 0):.1f} | {one['after'].get('p99_ms', 0):.1f} |")
    print(f"\nWhole-offering lists (list cache off), one at a time, median of {args.runs} (ms):")
    print("| list | bytes | before | after | after / before |\n|---|---|---|---|---|")
    for label, row in lists.items():
        print(f"| {label} | {row['bytes']:,} | {row['before']:.1f} | {row['after']:.1f} | "
              f"{row['after'] / row['before']:.2f} |")


if __name__ == "__main__":
    main()
