"""Real server processes for end-to-end tests: `openqualify serve` on a free loopback port, over real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

START_TIMEOUT = 180.0  # seconds: migrations and the demo on a loaded two-core CI machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    base_url: str  # e.g. http://127.0.0.1:PORT
    process: subprocess.Popen[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """kill -9 the server and every worker it started."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


def wait_until_ready(server: ServerProcess, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early ({server.process.returncode}):\n{server.log()}")
        try:
            if httpx.get(f"{server.base_url}/ready", timeout=10).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not become ready within {timeout} s:\n{server.log()}")
        time.sleep(0.2)


def start_server(
    database_url: str, *args: str, env: Mapping[str, str] | None = None, port: int | None = None
) -> ServerProcess:
    """Start `openqualify serve --db URL [args]` in its own process group (so kill() reaches its workers)."""
    port = port or free_port()
    command = [sys.executable, "-m", "openqualify.cli.main", "serve", "--db", database_url, "--port", str(port), *args]
    log_path = Path(tempfile.mkdtemp(prefix="oq-live-")) / "server.log"
    with log_path.open("w") as log:  # a file, not a pipe: a chatty server must never block on a full pipe
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    server = ServerProcess(f"http://127.0.0.1:{port}", process, log_path)
    try:
        wait_until_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def running_server(
    database_url: str, *args: str, env: Mapping[str, str] | None = None
) -> Iterator[ServerProcess]:
    server = start_server(database_url, *args, env=env)
    try:
        yield server
    finally:
        server.stop()
