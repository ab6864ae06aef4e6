#!/usr/bin/env python3
"""Single reads side by side: OpenQualify (sandbox and production) against Prism and a bare-bytes ceiling.

Usage: .venv/bin/python bench/compare.py [--db URL] [--rounds 3] [--duration 8] [--connections 16] [--server uvicorn]

In one run, on one machine: Stoplight Prism mocking the contract (no state, placeholder bodies; installed by npm
into bench/.cache on first use), a bare FastAPI app returning the same bytes as OpenQualify (the ceiling), and
`openqualify serve --demo` on a fresh database in sandbox mode (default settings) and in production mode (token
cache on, rate limiting off: a 16-connection flood is exactly what it would refuse). Each read is measured with
wrk (1 thread, 16 connections) in alternating rounds; the medians and ratios are printed as Markdown and written
to bench/results/compare-<backend>.json. Needs `wrk` and, for Prism, `npm`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from _server import free_port, parse_wrk, start, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
PRISM_VERSION = "5.14.2"
TOKEN = "bench-token-0123456789abcdefghijklmn"
OFFICIAL_CONTRACT = ROOT.parent / "shared" / "iqualify-openapi.json"


def contract_path() -> Path:
    if OFFICIAL_CONTRACT.is_file():
        return OFFICIAL_CONTRACT
    return ROOT / "src" / "openqualify" / "contract" / "contract.json"  # the repository's copy (prose stripped)


def prism_executable() -> Path:
    executable = CACHE / "node_modules" / ".bin" / "prism"
    if not executable.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", f"@stoplight/prism-cli@{PRISM_VERSION}"],
            cwd=CACHE, check=True,
        )
    return executable


def wrk(url: str, duration: int, connections: int) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-H", f"Authorization: Bearer {TOKEN}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(output, ("50", "90", "99"))


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (the uvicorn workers), KiB."""
    total = 0
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
                    .stdout.split()]
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def reads(ids: dict[str, str]) -> list[tuple[str, str]]:
    """(label, path under /v1) of the single-object and small-list reads."""
    return [
        ("GET /offerings/{id}", f"/offerings/{ids['offering']}"),
        ("GET /org", "/org"),
        ("GET /users/{email}", f"/users/{quote(ids['email'], safe='')}"),
        ("GET /courses/{contentId}", f"/courses/{ids['content']}"),
        ("GET /offerings/{id}/channels", f"/offerings/{ids['offering']}/channels"),
        ("GET /offerings/{id}/groups", f"/offerings/{ids['offering']}/groups"),
        ("GET /offerings/{id}/assessments", f"/offerings/{ids['offering']}/assessments"),
    ]


def demo_ids(base: str) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    offerings = httpx.get(f"{base}/offerings/current", headers=headers).json()
    offering = max(offerings, key=lambda o: 1 if o.get("tasksEnabled") else 0)
    members = httpx.get(f"{base}/offerings/{offering['id']}/users", headers=headers).json()
    return {"offering": offering["id"], "content": offering["contentId"], "email": members[0]["email"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", default="", help="measure only reads whose label contains this")
    parser.add_argument("--server", default="", help="OPENQUALIFY_SERVER for both OpenQualify servers")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    scratch = Path(tempfile.mkdtemp(prefix="oq-compare-"))
    db = args.db or f"sqlite:///{scratch}/bench.db"
    backend = "postgresql" if db.startswith("postgresql") else "sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if args.server:
        env["OPENQUALIFY_SERVER"] = args.server
    exe = [sys.executable, "-m", "openqualify.cli.main"]
    ports = {name: free_port() for name in ("sandbox", "production", "prism", "ceiling")}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    results: dict[str, Any] = {"backend": backend, "connections": args.connections, "duration_s": args.duration,
                               "rounds": args.rounds, "load_average_before": os.getloadavg()[0], "reads": {}}
    try:
        for mode in ("sandbox", "production"):
            mode_env = {**env, "OPENQUALIFY_MODE": mode, "OPENQUALIFY_RATE_LIMIT_PER_MINUTE": "0"}
            if mode == "sandbox":
                mode_env.pop("OPENQUALIFY_RATE_LIMIT_PER_MINUTE")  # the sandbox default: off
            serve = [*exe, "serve", "--demo", "--token", TOKEN, "--db", db, "--port", str(ports[mode])]
            processes[mode] = start(serve, mode_env)
            wait_ready(f"http://127.0.0.1:{ports[mode]}/v1/org", {"Authorization": f"Bearer {TOKEN}"},
                       processes[mode])
        base = f"http://127.0.0.1:{ports['sandbox']}/v1"
        ids = demo_ids(base)
        processes["prism"] = start([str(prism_executable()), "mock", "-p", str(ports["prism"]), "-h", "127.0.0.1",
                                    str(contract_path())], env)
        wait_ready(f"http://127.0.0.1:{ports['prism']}/org", {"Authorization": f"Bearer {TOKEN}"}, processes["prism"])
        body_file = scratch / "body.json"
        ceiling_env = {**env, "BENCH_CEILING_BODY": str(body_file)}
        selected = [(label, path) for label, path in reads(ids) if args.only in label]
        for label, path in selected:
            body_file.write_bytes(httpx.get(base + path, headers={"Authorization": f"Bearer {TOKEN}"}).content)
            processes["ceiling"] = start(
                [sys.executable, "-m", "uvicorn", "ceiling_app:app", "--port", str(ports["ceiling"]),
                 "--log-level", "warning", "--no-access-log", "--app-dir", str(ROOT / "bench")], ceiling_env)
            wait_ready(f"http://127.0.0.1:{ports['ceiling']}/v1/org", {}, processes["ceiling"])
            targets = {
                "prism": f"http://127.0.0.1:{ports['prism']}{path}",
                "sandbox": f"http://127.0.0.1:{ports['sandbox']}/v1{path}",
                "production": f"http://127.0.0.1:{ports['production']}/v1{path}",
                "ceiling": f"http://127.0.0.1:{ports['ceiling']}/v1{path}",
            }
            for url in targets.values():  # warm up (Prism's JIT, the servers' caches); not counted
                wrk(url, 2, args.connections)
            rounds: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
            for _ in range(args.rounds):  # alternate, so drifts of the machine hit every target alike
                for name, url in targets.items():
                    rounds[name].append(wrk(url, args.duration, args.connections))
            stop(processes.pop("ceiling"))
            results["reads"][label] = {
                name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                for name, runs in rounds.items()
            }
            results["reads"][label]["bytes"] = body_file.stat().st_size
        results["rss_kib"] = {mode: rss_kib(processes[mode].pid) for mode in ("sandbox", "production")}
    finally:
        for process in processes.values():
            stop(process)

    out = ROOT / "bench" / "results" / f"compare-{backend}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{backend}, wrk -t1 -c{args.connections}, {args.rounds} x {args.duration} s, medians (req/s; p99 ms)")
    print("| read | Prism | sandbox | production | ceiling | sandbox / Prism | production / Prism |")
    print("|---|---|---|---|---|---|---|")
    for label, row in results["reads"].items():
        prism, sandbox, production, ceiling = (row[k] for k in ("prism", "sandbox", "production", "ceiling"))
        print(f"| {label} | {prism['rps']:.0f} | {sandbox['rps']:.0f} ({sandbox.get('p99_ms', 0):.1f}) | "
              f"{production['rps']:.0f} ({production.get('p99_ms', 0):.1f}) | {ceiling['rps']:.0f} | "
              f"{sandbox['rps'] / prism['rps']:.2f}x | {production['rps'] / prism['rps']:.2f}x |")
    errors = {f"{label} {name}": row[name]["non_2xx"] for label, row in results["reads"].items()
              for name in ("sandbox", "production", "ceiling") if row[name]["non_2xx"]}
    if errors:
        print(f"non-2xx answers: {errors}")
    print(f"server RSS after the run: {results['rss_kib']} KiB")


if __name__ == "__main__":
    main()
