#!/usr/bin/env python3
"""Whole-offering lists against the cost of sending the same bytes from a bare app.

Usage: .venv/bin/python bench/lists.py --build bench/results/scale-build-<backend>-<preset>.json [--db URL]
       [--runs 15] [--only TEXT]

Starts `openqualify serve` (production mode, one worker, rate limiting off) on a database built by
bench/large_org.py, fetches every whole-offering list of the build's big offering once, then starts
bench/ceiling_app.py serving exactly those bytes and times both one request at a time, alternating (median of
`--runs`). The ratio ours / ceiling is the cost of the work beyond sending the bytes (target: at most 10x).
Two servers run on the same database: one as deployed (repeated reads come from its list cache until the data
changes, decision 15e) and one with the cache off (`OPENQUALIFY_LIST_CACHE_MB=0`): what a read right after a
write costs.
Also times `/users/all/progress` at `$top=50` and `$top=1000` (per-item cost should not grow with the page),
and records the server's RSS after the run. Writes bench/results/lists-<backend>-<preset>.json and prints a
Markdown table.
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
from typing import Any

import httpx
from _server import free_port, start, stop, wait_ready
from compare import rss_kib

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 10.0


def lists(build: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, path under /v1) of the whole-offering lists of the big offering."""
    o, channel = build["big_offering_id"], build["big_channel_id"]
    return [
        ("learners-progress", f"/offerings/{o}/analytics/learners-progress"),
        ("marks/assignments", f"/offerings/{o}/analytics/marks/assignments"),
        ("marks/quizzes", f"/offerings/{o}/analytics/marks/quizzes"),
        ("submissions/assignments", f"/offerings/{o}/analytics/submissions/assignments"),
        ("submissions/open-response/{id}",
         f"/offerings/{o}/analytics/submissions/open-response/{build['big_assignment_id']}"),
        ("activities/responses", f"/offerings/{o}/analytics/activities/responses"),
        ("pulses/responses", f"/offerings/{o}/analytics/pulses/responses"),
        ("pulses/{id}/responses", f"/offerings/{o}/analytics/pulses/{build['big_pulse_id']}/responses"),
        ("channels/{id}/posts", f"/offerings/{o}/analytics/channels/{channel}/posts"),
        ("channels/{id}/comments", f"/offerings/{o}/analytics/channels/{channel}/comments"),
        ("channels/{id}/replies", f"/offerings/{o}/analytics/channels/{channel}/replies"),
        ("unit-reactions", f"/offerings/{o}/analytics/unit-reactions"),
        ("social-notes", f"/offerings/{o}/analytics/social-notes"),
        ("users/all/progress $top=50", "/users/all/progress?$top=50"),
        ("users/all/progress $top=1000", "/users/all/progress?$top=1000"),
    ]


def items_of(body: Any) -> int:
    if isinstance(body, list):
        return len(body)
    return len(body.get("data", {}).get("progress", [])) if isinstance(body, dict) else 0


def timed(client: httpx.Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code} {response.text[:200]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True, help="build report written by bench/large_org.py")
    parser.add_argument("--db", help="database URL (default: the build report's)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    build: dict[str, Any] = json.loads(Path(args.build).read_text())
    db = args.db or build["db"]
    backend = "postgresql" if db.startswith("postgresql") else "sqlite"
    preset = build.get("preset_name", "custom")
    headers = {"Authorization": f"Bearer {build['token']}"}
    scratch = Path(tempfile.mkdtemp(prefix="oq-lists-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OPENQUALIFY_MODE": "production",
           "OPENQUALIFY_RATE_LIMIT_PER_MINUTE": "0"}
    ports = {"server": free_port(), "uncached": free_port(), "ceiling": free_port()}
    base = f"http://127.0.0.1:{ports['server']}/v1"
    uncached = f"http://127.0.0.1:{ports['uncached']}/v1"
    ceiling = f"http://127.0.0.1:{ports['ceiling']}"
    selected = [(label, path) for label, path in lists(build) if args.only in label]
    results: dict[str, Any] = {"backend": backend, "preset": preset, "runs": args.runs,
                               "load_average_before": os.getloadavg()[0], "lists": {}}
    processes: dict[str, Any] = {}
    try:
        processes["server"] = start([sys.executable, "-m", "openqualify.cli.main", "serve", "--db", db,
                                     "--port", str(ports["server"])], env)
        wait_ready(f"{base}/org", headers, processes["server"])
        processes["uncached"] = start([sys.executable, "-m", "openqualify.cli.main", "serve", "--db", db,
                                       "--port", str(ports["uncached"])], {**env, "OPENQUALIFY_LIST_CACHE_MB": "0"})
        wait_ready(f"{uncached}/org", headers, processes["uncached"])
        with httpx.Client(headers=headers, timeout=120) as client:
            for n, (label, path) in enumerate(selected):
                response = client.get(base + path)
                if response.status_code != 200:
                    raise SystemExit(f"{label}: {response.status_code} {response.text[:200]}")
                (scratch / str(n)).write_bytes(response.content)
                results["lists"][label] = {"bytes": len(response.content), "items": items_of(response.json())}
            processes["ceiling"] = start(
                [sys.executable, "-m", "uvicorn", "ceiling_app:app", "--port", str(ports["ceiling"]),
                 "--log-level", "warning", "--no-access-log", "--app-dir", str(ROOT / "bench")],
                {**env, "BENCH_CEILING_DIR": str(scratch)})
            wait_ready(f"{ceiling}/0", {}, processes["ceiling"])
            for n, (label, path) in enumerate(selected):
                ours: list[float] = []
                cold: list[float] = []
                bare: list[float] = []
                timed(client, base + path)  # warm: caches, the planner
                timed(client, uncached + path)
                for _ in range(args.runs):  # alternate, so drifts of the machine hit all alike
                    ours.append(timed(client, base + path))
                    cold.append(timed(client, uncached + path))
                    bare.append(timed(client, f"{ceiling}/{n}"))
                row = results["lists"][label]
                row.update(ms=round(statistics.median(ours), 2), uncached_ms=round(statistics.median(cold), 2),
                           ceiling_ms=round(statistics.median(bare), 2))
                row["ratio"] = round(row["ms"] / row["ceiling_ms"], 2)
                row["uncached_ratio"] = round(row["uncached_ms"] / row["ceiling_ms"], 2)
                print(f"{label}: {row}", flush=True)
        results["rss_kib"] = rss_kib(processes["server"].pid)
        results["uncached_rss_kib"] = rss_kib(processes["uncached"].pid)
    finally:
        for process in processes.values():
            stop(process)
    out = ROOT / "bench" / "results" / f"lists-{backend}-{preset}{'-partial' if args.only else ''}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n{backend}, {preset} preset, big offering, one request at a time, median of {args.runs}")
    print("| list | items | KiB | bare bytes ms | OpenQualify ms | ratio | ≤ 10x | right after a write ms | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, row in results["lists"].items():
        print(f"| {label} | {row['items']} | {row['bytes'] / 1024:.0f} | {row['ceiling_ms']} | {row['ms']} | "
              f"{row['ratio']}x | {'yes' if row['ratio'] <= TARGET_RATIO else 'no'} | {row['uncached_ms']} | "
              f"{row['uncached_ratio']}x |")
    print(f"\nserver RSS after the run: {results['rss_kib'] / 1024:.0f} MiB (cache off: "
          f"{results['uncached_rss_kib'] / 1024:.0f} MiB); written {out}")


if __name__ == "__main__":
    main()
