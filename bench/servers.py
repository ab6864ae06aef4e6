#!/usr/bin/env python3
"""The ASGI server: uvicorn (what `openqualify serve` runs) against Granian, for `GET /v1/offerings/{id}`.

Usage: .venv/bin/python bench/servers.py [--db URL] [--rounds 3] [--duration 5] [--connections 16]

In one run, one worker each: OpenQualify in production mode (token cache on, rate limiting off) under
`openqualify serve` (uvicorn with the project's HTTP protocol) and under Granian (`granian --interface asgi
openqualify.server.asgi:app`, the same settings from the environment); the bare FastAPI bytes app
(bench/ceiling_app.py, the same bytes) under both servers; Stoplight Prism mocking the contract. wrk (1 thread,
16 connections) in alternating rounds; medians printed as Markdown and written to
bench/results/servers-<backend>.json with the load average seen before the run. Needs `wrk`, `granian`
(pip install granian) and, for Prism, `npm`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
from _server import free_port, start, stop, wait_ready
from compare import TOKEN, contract_path, demo_ids, prism_executable, wrk

ROOT = Path(__file__).resolve().parent.parent


def granian(target: str, port: int, app_dir: str | None = None) -> list[str]:
    command = [str(Path(sys.executable).parent / "granian"), "--interface", "asgi", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log"]
    if app_dir:
        command += ["--working-dir", app_dir]
    return [*command, target]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-prism", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    scratch = Path(tempfile.mkdtemp(prefix="oq-servers-"))
    db = args.db or f"sqlite:///{scratch}/bench.db"
    backend = "postgresql" if db.startswith("postgresql") else "sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OPENQUALIFY_MODE": "production",
           "OPENQUALIFY_RATE_LIMIT_PER_MINUTE": "0", "OPENQUALIFY_DATABASE_URL": db}
    ports = {name: free_port() for name in ("uvicorn", "granian", "bare_uvicorn", "bare_granian", "prism")}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    processes: dict[str, Any] = {}
    results: dict[str, Any] = {"backend": backend, "connections": args.connections, "duration_s": args.duration,
                               "rounds": args.rounds, "load_average_before": os.getloadavg()[0]}
    try:
        serve = [sys.executable, "-m", "openqualify.cli.main", "serve", "--demo", "--token", TOKEN, "--db", db,
                 "--port", str(ports["uvicorn"])]
        processes["uvicorn"] = start(serve, env)
        wait_ready(f"http://127.0.0.1:{ports['uvicorn']}/v1/org", headers, processes["uvicorn"])
        processes["granian"] = start(granian("openqualify.server.asgi:app", ports["granian"]), env)
        wait_ready(f"http://127.0.0.1:{ports['granian']}/v1/org", headers, processes["granian"])
        ids = demo_ids(f"http://127.0.0.1:{ports['uvicorn']}/v1")
        path = f"/v1/offerings/{ids['offering']}"
        body_file = scratch / "body.json"
        body_file.write_bytes(httpx.get(f"http://127.0.0.1:{ports['uvicorn']}{path}", headers=headers).content)
        bare_env = {**env, "BENCH_CEILING_BODY": str(body_file)}
        processes["bare_uvicorn"] = start(
            [sys.executable, "-m", "uvicorn", "ceiling_app:app", "--port", str(ports["bare_uvicorn"]),
             "--log-level", "warning", "--no-access-log", "--app-dir", str(ROOT / "bench")], bare_env)
        processes["bare_granian"] = start(granian("ceiling_app:app", ports["bare_granian"], str(ROOT / "bench")),
                                          bare_env)
        for name in ("bare_uvicorn", "bare_granian"):
            wait_ready(f"http://127.0.0.1:{ports[name]}/", {}, processes[name])
        targets = {name: f"http://127.0.0.1:{ports[name]}{path}"
                   for name in ("uvicorn", "granian", "bare_uvicorn", "bare_granian")}
        if not args.no_prism:
            processes["prism"] = start([str(prism_executable()), "mock", "-p", str(ports["prism"]), "-h",
                                        "127.0.0.1", str(contract_path())], env)
            wait_ready(f"http://127.0.0.1:{ports['prism']}/org", headers, processes["prism"])
            targets["prism"] = f"http://127.0.0.1:{ports['prism']}{path.removeprefix('/v1')}"
        for url in targets.values():  # warm up, not counted
            wrk(url, 2, args.connections)
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, url in targets.items():
                rounds[name].append(wrk(url, args.duration, args.connections))
        results["servers"] = {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                              for name, runs in rounds.items()}
    finally:
        for process in processes.values():
            stop(process)
    out = ROOT / "bench" / "results" / f"servers-{backend}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    found = results["servers"]
    print(f"{backend}, GET /v1/offerings/{{id}}, production, 1 worker, wrk -t1 -c{args.connections}, "
          f"{args.rounds} x {args.duration} s, medians; load before {results['load_average_before']:.1f}")
    print("| server | OpenQualify req/s (p99 ms) | bare app req/s | OpenQualify / bare | OpenQualify / Prism |")
    print("|---|---|---|---|---|")
    prism = found.get("prism", {}).get("rps")
    for server in ("uvicorn", "granian"):
        mine, bare = found[server], found[f"bare_{server}"]
        versus = f"{mine['rps'] / prism:.1f}x" if prism else "-"
        print(f"| {server} | {mine['rps']:.0f} ({mine.get('p99_ms', 0):.1f}) | {bare['rps']:.0f} | "
              f"{mine['rps'] / bare['rps']:.0%} | {versus} |")
    if prism:
        print(f"| Prism | {prism:.0f} | | | |")


if __name__ == "__main__":
    main()
