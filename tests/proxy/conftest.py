"""`openqualify proxy` as a real process in front of a real OpenQualify server (never the real service)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from tests.conftest import LiveServer
from tests.live import free_port

START_TIMEOUT_S = 60


@dataclass
class Proxy:
    base_url: str  # http://127.0.0.1:PORT/v1
    process: subprocess.Popen[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()


@contextmanager
def running_proxy(upstream: str, *args: str) -> Iterator[Proxy]:
    port = free_port()
    log_path = Path(tempfile.mkdtemp(prefix="oq-proxy-")) / "proxy.log"
    command = [
        sys.executable, "-m", "openqualify.cli.main", "proxy", "--upstream", upstream, "--port", str(port), *args,
    ]  # fmt: skip
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True, env=os.environ.copy())
    proxy = Proxy(f"http://127.0.0.1:{port}/v1", process, log_path)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"proxy exited ({process.returncode}):\n{proxy.log()}")
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"proxy did not start:\n{proxy.log()}") from None
                time.sleep(0.1)
        yield proxy
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def org_token(sync_engine: Engine) -> str:
    """A new, empty organisation on the live server's database."""
    with admin_session(sync_engine) as session:
        _, token = create_org(session, f"Proxy {uuid.uuid4().hex[:10]}")
        session.commit()
    return token


@pytest.fixture
def proxy_to(live_server: LiveServer) -> Callable[..., object]:
    def start(*args: str, upstream: str | None = None) -> object:
        return running_proxy(upstream or f"{live_server.base_url}/v1", *args)

    return start
