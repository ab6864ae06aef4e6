#!/usr/bin/env python3
"""How long `openqualify mirror` takes for a large organisation, and what it writes.

Usage: .venv/bin/python bench/mirror.py --build bench/results/scale-build-sqlite-medium.json [--concurrency 16]
       [--target postgresql://...] [--state DIR] [--out FILE]
Serves the database of a `bench/large_org.py` build (one worker), mirrors its organisation through the public API
into a new temporary SQLite database, and writes bench/results/mirror-<backend>-<preset>.json: seconds (reading,
writing, total), the CPU seconds of the server and of the mirror process, the load average before, after and at
its highest (sampled every 2 s), requests, retries and the rows written per table. `--state DIR` keeps the
answers there (a second run with the same DIR reads nothing: it measures the mapping and writing alone); the
temporary folder (the mirrored database, the answers) is removed unless `--keep`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _server import free_port, start, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class LoadPeak(threading.Thread):
    """The highest 1-minute load average seen while running (sampled every 2 s)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = os.getloadavg()[0]
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(2.0):
            self.peak = max(self.peak, os.getloadavg()[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True, type=Path)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--target", help="database to mirror into (default: a new temporary SQLite database)")
    parser.add_argument("--state", type=Path, help="where the mirror keeps its answers (default: a new folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    parser.add_argument("--out", type=Path, help="result file (default: bench/results/mirror-<backend>-<preset>.json)")
    args = parser.parse_args()
    build = json.loads(args.build.read_text())
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OPENQUALIFY_LOG_ACCESS": "false"}
    exe = [sys.executable, "-m", "openqualify.cli.main"]
    server = start([*exe, "serve", "--db", build["db"], "--port", str(port)], env)
    headers = {"Authorization": f"Bearer {build['token']}"}
    scratch = Path(tempfile.mkdtemp(prefix="oq-bench-mirror-"))
    load = os.getloadavg()[0]
    peak = LoadPeak()
    try:
        wait_ready(f"http://127.0.0.1:{port}/v1/org", headers, server)
        server_cpu = _cpu_seconds(server.pid)
        mirror_cpu = _children_cpu()
        peak.start()
        started = time.perf_counter()
        run = subprocess.run(
            [*exe, "mirror", "--from", f"http://127.0.0.1:{port}/v1", "--token", build["token"],
             "--db", args.target or f"sqlite:///{scratch}/mirror.db", "--state", str(args.state or scratch / "state"),
             "--concurrency", str(args.concurrency)],
            env=env, capture_output=True, text=True, cwd=scratch, timeout=3600,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        mirror_cpu = _children_cpu() - mirror_cpu
        server_cpu = _cpu_seconds(server.pid) - server_cpu
        peak.done.set()
    finally:
        stop(server)
        if args.keep:
            print(f"kept: {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    if run.returncode != 0:
        raise SystemExit(run.stderr)
    read = re.search(r"Read (\d+) answers \((\d+) requests, (\d+) retries\) in ([\d.]+) s", run.stderr)
    rows = re.search(r"in [\d.]+ s: (.*)", run.stderr)
    result = {
        "load_before": load,
        "preset": build["preset_name"],
        "backend": build["backend"],
        "target": "postgresql" if (args.target or "").startswith("postgresql") else "sqlite",
        "seconds": round(seconds, 1),
        "answers": int(read.group(1)) if read else None,
        "requests": int(read.group(2)) if read else None,
        "retries": int(read.group(3)) if read else None,
        "reading_seconds": float(read.group(4)) if read else None,
        "writing_seconds": round(seconds - float(read.group(4)), 1) if read else None,
        "mirror_cpu_seconds": round(mirror_cpu, 1),
        "server_cpu_seconds": round(server_cpu, 1),
        "load_after": os.getloadavg()[0],
        "load_peak": peak.peak,
        "rows": dict((t, int(n)) for t, n in (p.rsplit(" ", 1) for p in rows.group(1).split(", "))) if rows else {},
        "concurrency": args.concurrency,
    }
    suffix = "-to-postgresql" if result["target"] == "postgresql" else ""
    out = args.out or ROOT / "bench" / "results" / f"mirror-{build['backend']}-{build['preset_name']}{suffix}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
