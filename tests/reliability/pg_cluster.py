"""A PostgreSQL cluster of the test's own, to stop and restart (never the machine's cluster on 5432).

Debian's `pg_createcluster` makes it on a free port with trust authentication (its own pg_hba.conf); it is
dropped, with its configuration folder, whatever happens. Skipped where the tools or the rights are missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures.live import free_port


@dataclass
class Cluster:
    version: str
    name: str
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def ctl(self, action: str) -> None:
        """`pg_ctlcluster VERSION NAME start|stop|restart` (stop and restart in fast mode: sessions are ended)."""
        subprocess.run(["pg_ctlcluster", self.version, self.name, action], check=True, timeout=120)


def _version() -> str | None:
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, timeout=30).stdout.split()
    return listed[0] if listed else None


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    if os.geteuid() != 0 or shutil.which("pg_createcluster") is None or (version := _version()) is None:
        pytest.skip("needs root and Debian's pg_createcluster to make a PostgreSQL cluster of its own")
    cluster = Cluster(version, f"oqtest{uuid.uuid4().hex[:8]}", free_port())
    try:
        subprocess.run(
            ["pg_createcluster", version, cluster.name, "--port", str(cluster.port), "--",
             "--auth-local=trust", "--auth-host=trust"],
            check=True, capture_output=True, timeout=180,
        )
        cluster.ctl("start")
        yield cluster
    finally:
        subprocess.run(["pg_dropcluster", "--stop", version, cluster.name], capture_output=True, timeout=120)
        shutil.rmtree(Path("/etc/postgresql") / version / cluster.name, ignore_errors=True)
