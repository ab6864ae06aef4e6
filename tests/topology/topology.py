"""A primary, a hot standby streaming from it through a replication slot, and pgbouncer in front of the primary.

Built with Debian's tools on this machine, never touching the cluster on 5432: `pg_createcluster` makes
`oqt_primary` (5441) and `oqt_standby` (5442); the standby's data directory is replaced by
`pg_basebackup -X stream -R -S <slot>` of the primary; Debian's `pgbouncer` (transaction mode, 6441) runs as
the postgres user. Both clusters trust 127.0.0.1 in their own pg_hba.conf only (initdb's --auth-host). Everything
is dropped at the end (`pg_dropcluster --stop`, `rm -rf /etc/postgresql/15/<name>`), also after a failure, and
anything a previous run left behind is dropped before building. Every wait is bounded.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

PRIMARY, STANDBY = "oqt_primary", "oqt_standby"
PRIMARY_PORT, STANDBY_PORT, BOUNCER_PORT = 5441, 5442, 6441
SLOT = "oqt_standby_slot"
DATABASE = "oq_topology"
STEP_TIMEOUT = 120  # seconds, for any one command
SETTINGS = {  # small and fast: the topology lives for a couple of minutes
    "listen_addresses": "localhost",
    "shared_buffers": "32MB",
    "max_connections": "120",
    "wal_level": "replica",
    "max_wal_senders": "5",
    "max_replication_slots": "5",
    "hot_standby": "on",
    "hot_standby_feedback": "on",
    "wal_receiver_status_interval": "1s",
    "fsync": "off",  # no machine crash is simulated: processes are stopped and promoted, the OS keeps its cache
    "full_page_writes": "off",
}


def _run(*command: str, user: str | None = None) -> str:
    done = subprocess.run(list(command), capture_output=True, text=True, timeout=STEP_TIMEOUT, user=user, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return done.stdout


def wait_for(check: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():  # type: ignore[operator]
                return
        except psycopg.Error:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout} s")
        time.sleep(0.05)


@dataclass
class Topology:
    version: str
    bouncer: subprocess.Popen[bytes] | None = None
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="oqt-")))

    def url(self, port: int, database: str = DATABASE) -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{database}"

    @property
    def primary_url(self) -> str:
        return self.url(PRIMARY_PORT)

    @property
    def standby_url(self) -> str:
        return self.url(STANDBY_PORT)

    @property
    def bouncer_url(self) -> str:
        return self.url(BOUNCER_PORT)

    def failover_url(self) -> str:
        """Both hosts, the writable one chosen at connection time (libpq's host list)."""
        return (
            f"postgresql://postgres@/{DATABASE}?host=127.0.0.1,127.0.0.1&port={PRIMARY_PORT},{STANDBY_PORT}"
            "&target_session_attrs=read-write"
        )

    def ctl(self, name: str, action: str) -> None:
        _run("pg_ctlcluster", self.version, name, action)

    def sql(self, port: int, statement: str, database: str = "postgres") -> list[tuple[object, ...]]:
        with psycopg.connect(self.url(port, database), autocommit=True, connect_timeout=5) as connection:
            cursor = connection.execute(statement)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def replay_lsn(self) -> str:
        return str(self.sql(STANDBY_PORT, "SELECT pg_last_wal_replay_lsn()")[0][0])

    def streaming(self) -> bool:
        return bool(self.sql(PRIMARY_PORT, "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'"))

    def synchronous(self, mode: str | None) -> None:
        """The standby synchronous (`synchronous_commit` = mode, e.g. remote_apply), or asynchronous again."""
        names = f"'\"{self.version}/{STANDBY}\"'" if mode else "''"
        self.sql(PRIMARY_PORT, f"ALTER SYSTEM SET synchronous_standby_names = {names}")
        self.sql(PRIMARY_PORT, f"ALTER SYSTEM SET synchronous_commit = '{mode or 'on'}'")
        self.sql(PRIMARY_PORT, "SELECT pg_reload_conf()")
        if mode:
            wait_for(
                lambda: self.sql(PRIMARY_PORT, "SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync'"),
                "the standby synchronous",
            )

    def start_bouncer(self) -> None:
        config = self.workdir / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={PRIMARY_PORT}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {BOUNCER_PORT}\n"
            f"unix_socket_dir = {self.workdir}\n"
            "auth_type = trust\n"
            f"auth_file = {self.workdir / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            "admin_users = postgres\n"
            "max_client_conn = 400\ndefault_pool_size = 20\n"
            f"logfile = {self.workdir / 'pgbouncer.log'}\n"
        )
        (self.workdir / "userlist.txt").write_text('"postgres" ""\n')
        shutil.chown(self.workdir, "postgres")
        for path in self.workdir.iterdir():
            shutil.chown(path, "postgres")
        self.bouncer = subprocess.Popen(
            [_bouncer() or "pgbouncer", str(config)],
            user="postgres",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(lambda: bool(self.sql(BOUNCER_PORT, "SELECT 1", DATABASE)), "pgbouncer answering")

    def new_org(self) -> dict[str, str]:
        """A new organisation made on the primary, once the standby shows it (a token is checked before any
        organisation is known, so possibly on the standby): its authorization header."""
        from openqualify.server.db.engine import make_sync_engine
        from openqualify.server.kit.tenancy import admin_session
        from openqualify.server.org.admin import create_org

        engine = make_sync_engine(self.primary_url)
        try:
            with admin_session(engine) as session:
                _, token = create_org(session, f"Topology {uuid.uuid4().hex[:10]}")
                session.commit()
        finally:
            engine.dispose()
        position = self.sql(PRIMARY_PORT, "SELECT pg_current_wal_lsn()::text")[0][0]
        wait_for(
            lambda: self.sql(STANDBY_PORT, f"SELECT pg_last_wal_replay_lsn() >= '{position}'")[0][0],
            "the new organisation on the standby",
            timeout=10,
        )
        return {"Authorization": f"Bearer {token}"}

    def bouncer_transactions(self) -> int:
        """Transactions pgbouncer has passed to the topology's database (its admin console's SHOW STATS)."""
        listed = _run("psql", "-h", "127.0.0.1", "-p", str(BOUNCER_PORT), "-U", "postgres", "-d", "pgbouncer",
                      "-A", "-F", "|", "-c", "SHOW STATS")
        header, *rows = listed.splitlines()
        names = header.split("|")
        for row in rows:
            stats = dict(zip(names, row.split("|"), strict=False))
            if stats.get("database") == DATABASE:
                return int(stats["total_xact_count"])
        return 0

    def bouncer_log(self) -> str:
        path = self.workdir / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _bouncer() -> str | None:
    found = shutil.which("pgbouncer")
    return found or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)


def _version() -> str | None:
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, timeout=30).stdout.split()
    return listed[0] if listed else None


def _drop(version: str) -> None:
    for name in (STANDBY, PRIMARY):
        subprocess.run(["pg_dropcluster", "--stop", version, name], capture_output=True, timeout=STEP_TIMEOUT)
        shutil.rmtree(Path("/etc/postgresql") / version / name, ignore_errors=True)
        shutil.rmtree(Path("/var/lib/postgresql") / version / name, ignore_errors=True)


def _create(version: str, name: str, port: int) -> None:
    options = [part for key, value in SETTINGS.items() for part in ("-o", f"{key}={value}")]
    _run(
        "pg_createcluster",
        version,
        name,
        "--port",
        str(port),
        *options,
        "--",
        "--auth-local=trust",
        "--auth-host=trust",
    )


@contextmanager
def topology() -> Iterator[Topology]:
    if os.geteuid() != 0 or shutil.which("pg_createcluster") is None or _bouncer() is None:
        pytest.skip("needs root, Debian's pg_createcluster and pgbouncer (.ci/run installs it)")
    version = _version()
    if version is None:
        pytest.skip("no PostgreSQL installed")
    _drop(version)  # what an interrupted run left behind
    built = Topology(version)
    try:
        _create(version, PRIMARY, PRIMARY_PORT)
        built.ctl(PRIMARY, "start")
        built.sql(PRIMARY_PORT, f"CREATE DATABASE {DATABASE}")
        built.sql(PRIMARY_PORT, f"SELECT pg_create_physical_replication_slot('{SLOT}')")
        _create(version, STANDBY, STANDBY_PORT)
        data = Path("/var/lib/postgresql") / version / STANDBY
        for entry in data.iterdir():  # pg_basebackup fills the (empty) directory the cluster was made with
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        _run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(PRIMARY_PORT),
            "-U",
            "postgres",
            "-D",
            str(data),
            "-X",
            "stream",
            "-R",
            "-S",
            SLOT,
            "-c",
            "fast",
            user="postgres",
        )
        built.ctl(STANDBY, "start")
        wait_for(built.streaming, "the standby streaming")
        built.start_bouncer()
        yield built
    finally:
        if built.bouncer is not None:
            with suppress(ProcessLookupError):
                os.killpg(built.bouncer.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                built.bouncer.wait(timeout=10)
        _drop(version)
        shutil.rmtree(built.workdir, ignore_errors=True)
