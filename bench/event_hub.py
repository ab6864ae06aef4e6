#!/usr/bin/env python3
"""Event hub benchmark (issue 20): what raising events costs a write, and how fast a burst is delivered.

Usage: .venv/bin/python bench/event_hub.py [--db URL] [--workers 1] [--requests 1000] [--rounds 3] [--bulk 10000]
       [--no-dispatcher | --deliveries process]
Starts `openqualify serve --demo` on a fresh database (a temporary SQLite file by default) and a webhook receiver
in a process of its own (a threaded HTTP server on loopback, answering 200 and counting `webhook-id`s). Two
organisations do the same work, request by request in pairs (each pair's order drawn, seeded): one with the hub on
and one endpoint (the receiver), one with the hub off. Measured:
1. `POST /v1/users` and `POST /v1/offerings/{id}/users` with one learner: median and p99 for hub on and off, over
   all rounds and per round; and `POST /v1/users` in blocks of 25 writes per side (`users_alone`: a lone writer
   with the hub on meets its own events' deliveries on the worker, as a sync job does);
2. one bulk `POST /v1/offerings/{id}/users` of `--bulk` new learners with the hub on (`user.created` turned off,
   so the burst is exactly that many `offering.user_added` events): the request's time, the time until the
   receiver has every event, duplicates, and the p99 of `GET /v1/offerings/{id}` read meanwhile (one client).
Prints a Markdown table and writes bench/results/event-hub-<backend>[-<n>w].json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from _server import free_port, start, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-0123456789abcdefghijklmn"
CLI = [sys.executable, "-m", "openqualify.cli.main"]
BLOCK = 25  # writes per side in a block of the lone writer's measurement


class Receiver:
    """A webhook receiver in a process of its own (so that its work never takes the measuring client's GIL):
    a threaded HTTP server on loopback answering 200 and counting `webhook-id`s, read through shared counters."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._unique = context.Value("q", 0)
        self._total = context.Value("q", 0)
        ready = context.Queue()
        self.process = context.Process(target=_receive, args=(self._unique, self._total, ready), daemon=True)
        self.process.start()
        self.port = ready.get(timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def unique(self) -> int:
        return int(self._unique.value)

    def duplicates(self) -> int:
        return int(self._total.value - self._unique.value)

    def close(self) -> None:
        self.process.terminate()
        self.process.join(timeout=10)


def _receive(unique: Any, total: Any, ready: Any) -> None:
    seen: set[str] = set()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            with lock:
                seen.add(self.headers["webhook-id"])
                unique.value = len(seen)
                total.value += 1
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ready.put(server.server_address[1])
    server.serve_forever()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (Linux /proc), in seconds."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    ticks = os.sysconf("SC_CLK_TCK")
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(values), 2), "p99_ms": round(percentile(values, 99), 2),
            "n": len(values)}


def ratios(result: dict[str, Any]) -> dict[str, Any]:
    """The on/off ratios of the median and the p99, added to a {"on": summary, "off": summary}."""
    for stat in ("median_ms", "p99_ms"):
        result[f"{stat}_ratio"] = round(result["on"][stat] / result["off"][stat], 3)
    return result


def ok(response: httpx.Response, status: int = 200) -> Any:
    if response.status_code != status:
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
    return response.json() if response.content else None


def offering(client: httpx.Client, base: str, name: str) -> str:
    course = ok(client.post(f"{base}/_sandbox/courses", json={"name": name}), 201)
    body = {"name": name, "contentId": course["contentId"], "start": "2020-01-01T00:00:00Z"}
    return str(ok(client.post(f"{base}/v1/offerings", json=body), 201)["id"])


def timed(client: httpx.Client, method: str, url: str, headers: dict[str, str], **kwargs: Any) -> float:
    started = time.perf_counter()
    response = client.request(method, url, headers=headers, **kwargs)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code >= 300:
        raise SystemExit(f"{method} {url}: {response.status_code} {response.text}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--requests", type=int, default=1000, help="requests per kind, organisation and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7, help="the draw of each pair's order")
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--no-dispatcher", action="store_true",
                        help="the server delivers nothing (what raising events costs the write alone); no burst")
    parser.add_argument("--deliveries", choices=("worker", "process"), default="worker",
                        help="serve --deliveries: from the worker (default) or from a process of its own")
    args = parser.parse_args()
    db = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='oq-hub-bench-')}/bench.db"
    backend = "sqlite" if db.startswith("sqlite") else "postgresql"
    env = {**os.environ, "OPENQUALIFY_LOG_ACCESS": "false"}
    if args.no_dispatcher:
        env["OPENQUALIFY_EVENT_HUB_DISPATCHER"] = "false"
    subprocess.run([*CLI, "db", "upgrade", "--db", db], check=True, env=env, capture_output=True)
    off_token = f"bench-off-{uuid.uuid4().hex}"
    subprocess.run([*CLI, "org", "create", f"Hub off {uuid.uuid4().hex[:8]}", "--db", db, "--token", off_token],
                   check=True, env=env, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start([*CLI, "serve", "--demo", "--token", TOKEN, "--db", db, "--port", str(port),
                     "--workers", str(args.workers), "--deliveries", args.deliveries], env)
    receiver = Receiver()
    on = {"Authorization": f"Bearer {TOKEN}"}
    off = {"Authorization": f"Bearer {off_token}"}
    load_before = os.getloadavg()
    try:
        wait_ready(f"{base}/v1/org", on, process)
        with httpx.Client(timeout=120) as client:
            settings = {"enabled": True, "defaultEndpoints": [{"url": receiver.url, "enabled": True, "headers": {}}]}
            ok(client.put(f"{base}/event-hub/settings", json=settings, headers=on))
            client.headers.update(on)
            on_offering = offering(client, base, "Hub on")
            client.headers.update(off)
            off_offering = offering(client, base, "Hub off")
            client.headers.pop("Authorization")

            results: dict[str, Any] = {"workers": args.workers, "requests": args.requests, "rounds": args.rounds,
                                       "dispatcher": "off" if args.no_dispatcher else
                                       "own process" if args.deliveries == "process" else "in the API worker"}
            # Each pair's order is drawn (seeded), so that neither side always follows the other: the delivery of
            # an event raised by an "on" request runs while the next request is served, whichever it is.
            order = random.Random(args.seed)
            sides = {"on": (on, on_offering), "off": (off, off_offering)}

            def write(kind: str, label: str, tag: str) -> float:
                headers, offering_id = sides[label]
                email = f"{kind}-{label}-{tag}@example.com"
                if kind.startswith("users"):
                    return timed(client, "POST", f"{base}/v1/users", headers,
                                 json={"email": email, "firstName": "B", "lastName": "M"})
                member = [{"email": email, "firstName": "B", "lastName": "M", "isFacilitator": False,
                           "isMarker": False, "isReadonly": False}]
                return timed(client, "POST", f"{base}/v1/offerings/{offering_id}/users", headers, json=member)

            def sequence(kind: str) -> list[str]:
                """Pairs in drawn order; for `users_alone`, blocks of BLOCK writes per side (the side first drawn),
                so that a writer with the hub on also meets its own events' deliveries, as a lone sync job does."""
                if kind == "users_alone":
                    blocks = [order.sample(["on", "off"], 2) for _ in range(-(-args.requests // BLOCK))]
                    return [side for pair in blocks for side in pair for _ in range(BLOCK)]
                return [side for _ in range(args.requests) for side in order.sample(["on", "off"], 2)]

            for kind in ("users", "member", "users_alone"):
                times: dict[str, list[float]] = {"on": [], "off": []}
                rounds: list[dict[str, float]] = []
                for round_ in range(args.rounds):
                    this_round: dict[str, list[float]] = {"on": [], "off": []}
                    for n, label in enumerate(sequence(kind)):
                        this_round[label].append(write(kind, label, f"{round_}-{n}"))
                    rounds.append(ratios({label: summary(values) for label, values in this_round.items()}))
                    for label, values in this_round.items():
                        times[label].extend(values)
                results[kind] = ratios({label: summary(values) for label, values in times.items()})
                results[kind]["rounds"] = rounds

            if args.no_dispatcher:
                return _report(results, backend, args.workers, load_before)
            # Let the deliveries of part 1 finish (user.created for each request, offering.user_added too for each
            # add, and the set-up's own events): until the receiver has them all and nothing came for a second.
            expected_before = 4 * args.requests * args.rounds
            deadline = time.monotonic() + 120
            last, quiet_since = -1, time.monotonic()
            while time.monotonic() < deadline:
                seen = receiver.unique()
                if seen != last:
                    last, quiet_since = seen, time.monotonic()
                elif seen >= expected_before and time.monotonic() - quiet_since >= 1.0:
                    break
                time.sleep(0.1)
            settings["events"] = {"user.created": {"enabled": False}}
            ok(client.put(f"{base}/event-hub/settings", json=settings, headers=on))
            learners = [{"email": f"bulk-{n}@example.com", "firstName": "B", "lastName": str(n),
                         "isFacilitator": False, "isMarker": False, "isReadonly": False} for n in range(args.bulk)]
            reads: list[float] = []
            reading = threading.Event()
            reading.set()

            def read_meanwhile() -> None:
                with httpx.Client(timeout=60) as reader:
                    while reading.is_set():
                        reads.append(timed(reader, "GET", f"{base}/v1/offerings/{on_offering}", on))

            before = receiver.unique()
            cpu_before = cpu_seconds(process.pid)
            started = time.perf_counter()
            reader_thread = threading.Thread(target=read_meanwhile)
            reader_thread.start()
            ok(client.post(f"{base}/v1/offerings/{on_offering}/users", json=learners, headers=on), 201)
            answered = time.perf_counter() - started
            deadline = time.monotonic() + 300
            while receiver.unique() - before < args.bulk and time.monotonic() < deadline:
                time.sleep(0.05)
            delivered = time.perf_counter() - started
            cpu_used = cpu_seconds(process.pid) - cpu_before
            reading.clear()
            reader_thread.join()
            results["bulk"] = {
                "events": args.bulk,
                "received": receiver.unique() - before,
                "request_s": round(answered, 2),
                "all_delivered_s": round(delivered, 2),
                "duplicates": receiver.duplicates(),
                "server_cpu_s": round(cpu_used, 2),
                "reads_meanwhile": summary(reads),
            }
    finally:
        stop(process)
        receiver.close()
    _report(results, backend, args.workers, load_before)


def _report(results: dict[str, Any], backend: str, workers: int, load_before: tuple[float, float, float]) -> None:
    results["load_before"] = load_before
    results["database"] = backend
    suffix = (f"-{workers}w" if workers > 1 else "") + (
        "-no-dispatcher" if results["dispatcher"] == "off" else "-deliveries-process"
        if results["dispatcher"].startswith("own") else ""
    )
    out = ROOT / "bench" / "results" / f"event-hub-{backend}{suffix}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"| {backend}, {workers} worker(s), dispatcher {results['dispatcher']} | hub off median / p99 "
          "| hub on median / p99 | on/off |")
    print("|---|---|---|---|")
    for kind, label in (("users", "POST /v1/users"), ("member", "POST /v1/offerings/{id}/users (1 learner)"),
                        ("users_alone", f"POST /v1/users, blocks of {BLOCK} per side")):
        r = results[kind]
        each = ", ".join(f"{one['median_ms_ratio']} / {one['p99_ms_ratio']}" for one in r["rounds"])
        print(f"| {label} | {r['off']['median_ms']} / {r['off']['p99_ms']} ms | {r['on']['median_ms']} / "
              f"{r['on']['p99_ms']} ms | {r['median_ms_ratio']} / {r['p99_ms_ratio']} (rounds: {each}) |")
    bulk = results.get("bulk")
    if bulk is None:
        print(f"written to {out.relative_to(ROOT)}")
        return
    print(f"\nbulk add of {bulk['events']}: answered in {bulk['request_s']} s, {bulk['received']} events delivered "
          f"{bulk['all_delivered_s']} s after the request started ({bulk['server_cpu_s']} s of the server's CPU), "
          f"{bulk['duplicates']} duplicates; "
          f"GET /v1/offerings/{{id}} meanwhile: median {bulk['reads_meanwhile']['median_ms']} ms, "
          f"p99 {bulk['reads_meanwhile']['p99_ms']} ms ({bulk['reads_meanwhile']['n']} reads)")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
