"""Issue 19.1 and 19.2, measured: what one hostile body costs a worker, and how many requests spellings of one
token get through a rate limit.

    .venv/bin/python bench/hostile_bodies.py [--src DIR] [--backend memory|database|redis]

Starts `openqualify serve --demo` (one worker, SQLite in a temporary folder; `--src` runs the code of another
checkout's `src`, e.g. `git archive <commit> src | tar -x -C /tmp/base` for the figure before a change), then:

- sends a 9.8 MB JSON object with 1,000,000 keys to five routes that refuse extra keys, one at a time, and
  reports each answer's status, its time, the server's RSS growth and peak (VmHWM), and the slowest `/health`
  answered while the body was being handled;
- sends 20 requests with each of 8 spellings of one token to a server limited to 20 requests per window and
  reports how many were accepted.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

SPELLINGS = ["Bearer {t}", "bearer {t}", "BEARER {t}", "{t}", "Bearer  {t}", "bEaReR {t}", "Bearer\t{t}",
             "BEARER   {t}"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def _start(folder: Path, src: str | None, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str, str]:
    port = _free_port()
    db = f"sqlite:///{folder / 'bench.db'}"
    environment = {**os.environ, **env, "OPENQUALIFY_DEMO_TOKEN": "bench-token-0123456789abcdefghijklmnop"}
    if src:
        environment["PYTHONPATH"] = src
    process = subprocess.Popen(
        [sys.executable, "-m", "openqualify.cli.main", "serve", "--demo", "--db", db, "--port", str(port)],
        env=environment, stdout=(folder / "log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/ready", timeout=5).status_code == 200:
                return process, base, environment["OPENQUALIFY_DEMO_TOKEN"]
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError((folder / "log").read_text())


def hostile_bodies(src: str | None) -> None:
    body = b"{" + b",".join(b'"%x":1' % i for i in range(1_000_000)) + b"}"
    print(f"body: {len(body) / 1e6:.1f} MB, 1,000,000 keys")
    with tempfile.TemporaryDirectory() as folder:
        process, base, token = _start(Path(folder), src, {})
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        try:
            with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                client.post("/v1/users", json={"email": "bench@example.com", "firstName": "B", "lastName": "H"})
                offering = client.get("/v1/offerings").json()[0]["id"]
                content = client.get("/v1/courses").json()[0]["id"]
                routes = [
                    ("POST", "/v1/users"),
                    ("PATCH", "/v1/users/bench@example.com"),
                    ("PUT", f"/v1/offerings/{offering}/metadata/category"),
                    ("PUT", f"/v1/courses/{content}/metadata/topic"),
                    ("POST", f"/v1/offerings/{offering}/users"),
                ]
                for method, path in routes:
                    bulk = method == "POST" and path.startswith("/v1/offerings/")
                    payload = b"[" + body + b"]" if bulk else body
                    rss_before = _status(process.pid, "VmRSS")
                    slowest = [0.0]
                    done = threading.Event()

                    def probe(done: threading.Event = done, slowest: list[float] = slowest) -> None:
                        with httpx.Client(base_url=base, timeout=60) as other:
                            while not done.is_set():
                                began = time.perf_counter()
                                other.get("/health")
                                slowest[0] = max(slowest[0], time.perf_counter() - began)
                                time.sleep(0.005)

                    thread = threading.Thread(target=probe, daemon=True)
                    thread.start()
                    began = time.perf_counter()
                    answer = client.request(method, path, content=payload)
                    seconds = time.perf_counter() - began
                    done.set()
                    thread.join()
                    rss_after, peak = _status(process.pid, "VmRSS"), _status(process.pid, "VmHWM")
                    print(
                        f"{method} {path.split('/v1')[1]}: {answer.status_code} in {seconds:.2f} s, RSS "
                        f"+{(rss_after - rss_before) / 1024:.0f} MiB (peak {peak / 1024:.0f} MiB), slowest /health "
                        f"{slowest[0] * 1000:.0f} ms: {answer.text[:90]}"
                    )
        finally:
            process.terminate()
            process.wait(30)


def spellings(src: str | None, backend: str) -> None:
    env = {"OPENQUALIFY_RATE_LIMIT_PER_MINUTE": "20", "OPENQUALIFY_RATE_LIMIT_WINDOW_SECONDS": "3600",
           "OPENQUALIFY_RATE_LIMIT_BACKEND": backend}  # fmt: skip
    if backend == "redis":
        env["OPENQUALIFY_REDIS_URL"] = "redis://127.0.0.1:6379/0"
    with tempfile.TemporaryDirectory() as folder:
        process, base, _ = _start(Path(folder), src, env)
        token = "bench-" + os.urandom(12).hex()  # a token of its own: counts of earlier runs stay in Redis
        subprocess.run([sys.executable, "-m", "openqualify.cli.main", "org", "create", f"Bench {token[-6:]}",
                        "--token", token, "--db", f"sqlite:///{Path(folder) / 'bench.db'}"],
                       env={**os.environ, **({"PYTHONPATH": src} if src else {})}, check=True, capture_output=True)
        try:
            accepted = 0
            for spelling in SPELLINGS:
                for _ in range(20):
                    headers = {"Authorization": spelling.format(t=token)}
                    accepted += httpx.get(base + "/v1/org", headers=headers).status_code == 200
            print(f"{backend}: {accepted} of {20 * len(SPELLINGS)} requests accepted with a limit of 20")
        finally:
            process.terminate()
            process.wait(30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", help="run the server from this src folder (another checkout)")
    parser.add_argument("--backend", action="append", choices=["memory", "database", "redis"])
    parser.add_argument("--skip-bodies", action="store_true")
    arguments = parser.parse_args()
    if not arguments.skip_bodies:
        hostile_bodies(arguments.src)
    for backend in arguments.backend or []:
        spellings(arguments.src, backend)
