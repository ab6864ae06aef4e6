#!/usr/bin/env python3
"""The dearest `$filter` a client can send to `GET /v1/users/all/progress` (issue 19.7), before and after its bounds.

Usage: .venv/bin/python bench/filters.py --build <report of bench/large_org.py> [--runs 5] [--unbounded]
Starts `openqualify serve` (production mode, one worker, list cache off) on the build's database and times,
one request at a time, `$top=1000` with: no filter; the issue's filter (20 `any()` terms, ORed, over offerings
no learner has, so every user of the organisation is probed 20 times); the dearest filters the bounds allow
(3 `any()` holding 17 alternatives: 20 conditions; 20 `contains()` that match nobody). `--unbounded` lifts the
bounds in the served process (the parser's limits set past these filters), which is how the code answered
before them. Writes bench/results/filters-<backend>-<preset>[-unbounded].json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from _server import free_port, start, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 300
UNBOUNDED = (
    "import openqualify.server.kit.odata.parser as p; p.MAX_ANY = p.MAX_TERMS = 10**6; "
    "from openqualify.cli.main import main; main()"
)


def filters() -> dict[str, str | None]:
    issue = " or ".join(f"offerings/any(o: o/id eq 'nobody-{i}')" for i in range(20))
    alternatives = [" or ".join(f"o/id eq 'nobody-{k}-{i}'" for i in range(count)) for k, count in enumerate((6, 6, 5))]
    allowed = " or ".join(f"offerings/any(o: {inner})" for inner in alternatives)
    texts = " or ".join(f"contains(lastName, 'zq{i}')" for i in range(20))
    return {"none": None, "issue: 20 any()": issue, "bounded: 3 any() of 17 alternatives": allowed,
            "bounded: 20 contains()": texts}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--unbounded", action="store_true")
    args = parser.parse_args()
    build = json.loads(Path(args.build).read_text())
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OPENQUALIFY_MODE": "production",
           "OPENQUALIFY_LIST_CACHE_MB": "0", "OPENQUALIFY_RATE_LIMIT_PER_MINUTE": "0"}
    entry = ["-c", UNBOUNDED] if args.unbounded else ["-m", "openqualify.cli.main"]
    process = start([sys.executable, *entry, "serve", "--db", build["db"], "--port", str(port)], env)
    headers = {"Authorization": f"Bearer {build['token']}"}
    base = f"http://127.0.0.1:{port}/v1/users/all/progress"
    report: dict[str, Any] = {"backend": build["backend"], "preset": build["preset_name"], "unbounded": args.unbounded,
                              "load_before": os.getloadavg(), "runs": args.runs, "results": {}}
    try:
        wait_ready(f"http://127.0.0.1:{port}/v1/org", headers, process)
        with httpx.Client(headers=headers, timeout=TIMEOUT_S) as client:
            for name, expression in filters().items():
                params = {"$top": "1000", **({"$filter": expression} if expression else {})}
                times, statuses = [], set()
                for _ in range(args.runs):
                    started = time.perf_counter()
                    response = client.get(base, params=params)
                    times.append((time.perf_counter() - started) * 1000)
                    statuses.add(response.status_code)
                report["results"][name] = {
                    "statuses": sorted(statuses), "median_ms": round(statistics.median(times), 1),
                    "max_ms": round(max(times), 1), "rows": len(response.json().get("data", {}).get("progress", []))
                    if response.status_code == 200 else 0,
                }
                print(name, report["results"][name], flush=True)
    finally:
        stop(process)
    suffix = "-unbounded" if args.unbounded else ""
    path = ROOT / "bench" / "results" / f"filters-{build['backend']}-{build['preset_name']}{suffix}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
