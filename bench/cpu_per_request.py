#!/usr/bin/env python3
"""What a production read costs the server in CPU: µs of the serving process's CPU per request served.

Usage: .venv/bin/python bench/cpu_per_request.py [--db URL] [--variant NAME=SRC ...] [--rounds 5] [--duration 6]
       [--connections 16] [--path-kind offering|org]

Each variant is `openqualify serve --demo` (one worker, production mode, rate limit off, as bench/servers.py runs
it) with `SRC` first on PYTHONPATH (a checkout's `src/`, e.g. the code before a change exported with
`git archive`); without `--variant`, this checkout's `src/` as `now`. Beside them the bare FastAPI bytes app
(bench/ceiling_app.py) under uvicorn, serving the same bytes. wrk (1 thread) drives each in turn, in alternating
rounds, after a warm-up; for each run the server process's CPU seconds (/proc/<pid>/stat utime + stime, every
thread) divided by the requests wrk completed. req/s swings with the machine's load; CPU per request much less.
Medians (and the least CPU per request seen, the run the machine's other work disturbed least) printed as
Markdown with the load average before and after; raw figures to
bench/results/cpu-per-request-<backend>.json.
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
from pathlib import Path
from typing import Any

import httpx
from _server import free_port, start, stop, wait_ready
from compare import TOKEN, demo_ids

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # fields 14 and 15 of stat(5), counted after the name


def run_wrk(url: str, duration: int, connections: int) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "-H", f"Authorization: Bearer {TOKEN}", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=duration + 30).stdout
    done = re.search(r"(\d+) requests in", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if done is None or rps is None:
        raise SystemExit(f"wrk said:\n{output}")
    return {"requests": float(done.group(1)), "rps": float(rps.group(1)),
            "non_2xx": float(errors.group(1)) if errors else 0.0}


def measure(pid: int, url: str, duration: int, connections: int) -> dict[str, float]:
    before = cpu_seconds(pid)
    found = run_wrk(url, duration, connections)
    spent = cpu_seconds(pid) - before
    return {**found, "cpu_s": spent, "cpu_us_per_request": spent / max(found["requests"], 1) * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--variant", action="append", default=[], help="NAME=SRC (a source tree's src/)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=6)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-bare", action="store_true")
    parser.add_argument("--path-kind", choices=("offering", "org"), default="offering")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    variants = dict(v.split("=", 1) for v in args.variant) or {"now": str(ROOT / "src")}
    scratch = Path(tempfile.mkdtemp(prefix="oq-cpu-"))
    db = args.db or f"sqlite:///{scratch}/bench.db"
    backend = "postgresql" if db.startswith("postgresql") else "sqlite"
    base_env = {**os.environ, "OPENQUALIFY_MODE": "production", "OPENQUALIFY_RATE_LIMIT_PER_MINUTE": "0",
                "OPENQUALIFY_DATABASE_URL": db}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    targets: dict[str, str] = {}
    results: dict[str, Any] = {"backend": backend, "connections": args.connections, "duration_s": args.duration,
                               "rounds": args.rounds, "variants": variants,
                               "load_average_before": os.getloadavg()}
    try:
        path = ""
        for name, src in variants.items():
            port = free_port()
            env = {**base_env, "PYTHONPATH": src}
            serve = [sys.executable, "-m", "openqualify.cli.main", "serve", "--demo", "--token", TOKEN, "--db", db,
                     "--port", str(port)]
            processes[name] = start(serve, env)
            wait_ready(f"http://127.0.0.1:{port}/v1/org", headers, processes[name])
            if not path:
                if args.path_kind == "org":
                    path = "/v1/org"
                else:
                    path = f"/v1/offerings/{demo_ids(f'http://127.0.0.1:{port}/v1')['offering']}"
            targets[name] = f"http://127.0.0.1:{port}{path}"
        if not args.no_bare:
            body_file = scratch / "body.json"
            body_file.write_bytes(httpx.get(next(iter(targets.values())), headers=headers).content)
            port = free_port()
            processes["bare"] = start(
                [sys.executable, "-m", "uvicorn", "ceiling_app:app", "--port", str(port), "--log-level", "warning",
                 "--no-access-log", "--app-dir", str(ROOT / "bench")],
                {**base_env, "BENCH_CEILING_BODY": str(body_file)},
            )
            wait_ready(f"http://127.0.0.1:{port}/", {}, processes["bare"])
            targets["bare"] = f"http://127.0.0.1:{port}{path}"
        for url in targets.values():  # warm up, not counted
            run_wrk(url, 2, args.connections)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, url in targets.items():
                runs[name].append(measure(processes[name].pid, url, args.duration, args.connections))
    finally:
        for process in processes.values():
            stop(process)
    results["load_average_after"] = os.getloadavg()
    results["runs"] = runs
    results["medians"] = {name: {key: statistics.median(r[key] for r in found) for key in found[0]}
                          for name, found in runs.items()}
    results["least_cpu_us_per_request"] = {name: min(r["cpu_us_per_request"] for r in found)
                                           for name, found in runs.items()}
    out = ROOT / "bench" / "results" / f"cpu-per-request-{backend}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    load = results["load_average_before"][0], results["load_average_after"][0]
    print(f"{backend}, GET {path.split('/')[2]}, production, 1 worker, wrk -t1 -c{args.connections}, "
          f"{args.rounds} x {args.duration} s, medians; load {load[0]:.1f} before, {load[1]:.1f} after")
    print("| server | CPU µs / request, median (least) | req/s, median | non-2xx |")
    print("|---|---|---|---|")
    for name, median in results["medians"].items():
        least = results["least_cpu_us_per_request"][name]
        print(f"| {name} | {median['cpu_us_per_request']:.0f} ({least:.0f}) | {median['rps']:.0f} | "
              f"{median['non_2xx']:.0f} |")


if __name__ == "__main__":
    main()
