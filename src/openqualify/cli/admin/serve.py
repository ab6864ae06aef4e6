"""`openqualify serve`: check the configuration, bind the port, migrate, add the demo, print the banner, serve.

Every failure an operator can cause (a bad variable, a busy port, a database that cannot be reached) ends
with one line on stderr and exit code 1, before anything is served.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from openqualify import __version__
from openqualify.cli.admin._common import (
    database_url,
    fail,
    masked,
    note,
    require_server,
    settings_or_fail,
    upgrade_or_fail,
)
from openqualify.defaults import DEFAULT_DATABASE_URL, DEFAULT_HOST, DEFAULT_PORT

CONTEXT = {"help_option_names": ["--help", "-h"]}
HTTP_PROTOCOL = "openqualify.server.kit.protocol:GuardedHttpToolsProtocol"


def _env(name: str) -> dict[str, object]:
    return {"envvar": f"OPENQUALIFY_{name}", "show_envvar": True}


@dataclass(frozen=True)
class DemoToken:
    token: str | None
    origin: str  # "given", "new", "saved" or "unknown"
    where: str | None = None  # the file it is kept in


def ensure_demo_org(url: str, token: str | None, keep_in_file: bool) -> DemoToken:
    """Create the demo organisation (fixed id, demo data) if absent; say which token it can be used with."""
    from openqualify.cli.admin import _demo_token as demo_token
    from openqualify.server.db.engine import make_sync_engine
    from openqualify.server.kit.clock import system_now
    from openqualify.server.kit.tenancy import admin_session, bind_org
    from openqualify.server.org import admin
    from openqualify.server.sandbox.demo import DEMO_ORG_ID, DEMO_ORG_NAME, build_demo

    engine = make_sync_engine(url)
    try:
        with admin_session(engine) as session:  # finding an organisation and its tokens spans organisations
            if admin.find_org(session, DEMO_ORG_NAME) is not None:
                if token:
                    admin.ensure_token(session, DEMO_ORG_NAME, token)
                    session.commit()
                    return DemoToken(token, "given")
                saved = demo_token.load(url) if keep_in_file else None
                if saved is not None and admin.token_is_active(session, DEMO_ORG_NAME, saved[1]):
                    return DemoToken(saved[1], "saved", str(saved[0]))
                return DemoToken(None, "unknown")
            org, new_token = admin.create_org(session, DEMO_ORG_NAME, token, org_id=DEMO_ORG_ID)
            bind_org(session, org.id)  # the demo's rows belong to the new organisation alone
            build_demo(session, org.id, system_now())
            session.commit()
    except admin.OrgAdminError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    if token:
        return DemoToken(token, "given")
    where = demo_token.save(url, new_token) if keep_in_file else None
    return DemoToken(new_token, "new", None if where is None else str(where))


def _given_on_command_line(context: typer.Context, parameter: str) -> bool:
    source = context.get_parameter_source(parameter)
    return source is not None and source.name == "COMMANDLINE"


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything else happens: a busy port is one line, not a traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            fail(f"port {port} on {host} is already in use (another server?): choose another with --port")
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    sock.set_inheritable(True)
    return sock


def _token_lines(demo: DemoToken, url: str, on_terminal: bool) -> list[str]:
    """What the banner says of the demo's token. The token itself only on a terminal: a banner on a log
    collector's stream would keep it in every start's log (issue 19.12); the file it is kept in says it instead."""
    if demo.origin == "given":
        return ["Token: the one given (--token, --token-file or OPENQUALIFY_DEMO_TOKEN)"]
    if demo.origin in ("new", "saved"):
        state = "new" if demo.origin == "new" else "reused"
        if demo.where is None:  # kept nowhere (production mode): this is the only time it can be seen
            return [f"Token: {demo.token}  ({state}; shown once, kept nowhere)"]
        if on_terminal:
            return [f"Token: {demo.token}  ({state}; kept in {demo.where})"]
        return [f"Token: {state}, kept in {demo.where} (mode 600): TOKEN=$(cat {demo.where})"]
    return [
        "Token: unchanged, shown when this database got the demo. For a new one:",
        f"  openqualify org rotate-token 'Demo Academy' --db '{masked(url)}'",
        "  or start with --token T (or OPENQUALIFY_DEMO_TOKEN=T) for a token of your choice.",
    ]


def serve(
    context: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.", **_env("HOST"))] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on.", **_env("PORT"))] = DEFAULT_PORT,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL (sqlite:///path or postgresql://...).", show_default=DEFAULT_DATABASE_URL,
            **_env("DATABASE_URL"),
        ),
    ] = None,
    mode: Annotated[
        str, typer.Option(help="sandbox (with the /_sandbox control plane) or production.", **_env("MODE"))
    ] = "sandbox",
    demo: Annotated[
        bool, typer.Option("--demo", help="Create the demo organisation if absent.", **_env("DEMO"))
    ] = False,
    token: Annotated[
        str | None,
        typer.Option(
            help="With --demo: a fixed token for the demo organisation (visible in `ps`: prefer the variable or "
            "--token-file).",
            **_env("DEMO_TOKEN"),
        ),
    ] = None,
    token_file: Annotated[
        Path | None,
        typer.Option(
            help="With --demo: read the demo organisation's fixed token from this file.", **_env("DEMO_TOKEN_FILE")
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (use PostgreSQL for more than one).", **_env("WORKERS"))
    ] = 1,
    log_level: Annotated[
        str, typer.Option(help="critical, error, warning, info or debug.", **_env("LOG_LEVEL"))
    ] = "info",
    log_format: Annotated[
        str, typer.Option(help="text, or json (one object per line).", **_env("LOG_FORMAT"))
    ] = "text",
    access_log: Annotated[
        bool | None,
        typer.Option(
            "--access-log/--no-access-log", help="One line per request.", show_default="on in the sandbox",
            **_env("LOG_ACCESS"),
        ),
    ] = None,
    public_base_url: Annotated[
        str | None,
        typer.Option(
            help="Base of the links GET /v1/ lists.", show_default="the server's own in the sandbox",
            **_env("PUBLIC_BASE_URL"),
        ),
    ] = None,
    metrics: Annotated[
        str | None,
        typer.Option(
            help="Prometheus metrics at GET /metrics: off, on (this port) or a port of their own (9464, "
            "127.0.0.1:9464).", show_default="on in the sandbox, off in production", **_env("METRICS"),
        ),
    ] = None,
    deliveries: Annotated[
        str,
        typer.Option(
            help="Where the Event hub's webhooks are sent from: worker (each worker, beside its requests) or "
            "process (a process of its own: the requests do not share a loop with deliveries).",
            **_env("DELIVERIES"),
        ),
    ] = "worker",
) -> None:
    """Migrate the database, optionally add the demo organisation, and serve the API.

    Every option can also be set by the environment variable shown; the rest of the configuration
    (limits, rate limiting, CORS) is in docs/deployment.md.
    """
    require_server()
    if deliveries not in ("worker", "process"):
        fail(f"--deliveries must be worker or process, not {deliveries!r}")
    _prepare_given_metrics_directory()  # before anything imports prometheus-client
    url = database_url(db)
    if token_file is not None:
        try:
            token = token_file.read_text().strip() or None
        except OSError as exc:
            fail(f"cannot read the token file {token_file}: {exc.strerror or exc}")
        if token is None:
            fail(f"the token file {token_file} is empty")
    elif token and _given_on_command_line(context, "token"):
        note("note: a token given with --token is visible to every user of this machine (ps); "
             "prefer OPENQUALIFY_DEMO_TOKEN or --token-file")
    # The worker processes read their settings from the environment: options go there first.
    values = {
        "DATABASE_URL": url, "MODE": mode, "WORKERS": str(workers), "LOG_LEVEL": log_level, "LOG_FORMAT": log_format,
    }
    if access_log is not None:
        values["LOG_ACCESS"] = "true" if access_log else "false"
    if public_base_url:
        values["PUBLIC_BASE_URL"] = public_base_url
    if metrics is not None:
        values["METRICS"] = metrics
    os.environ.update({f"OPENQUALIFY_{name}": value for name, value in values.items()})
    settings = settings_or_fail()
    _check_tracing()

    import uvicorn

    from openqualify.server.config import Settings
    from openqualify.server.observability.logs import log_config

    assert isinstance(settings, Settings)
    sock = bind(host, port)
    sockets = [sock]
    listener = settings.metrics_listener
    if listener is not None:
        metrics_host = listener[0] or host
        sockets.append(bind(metrics_host, listener[1]))
    upgrade_or_fail(url)
    lines = [
        f"OpenQualify {__version__} · {settings.mode.value} mode · {workers} worker{'s' if workers > 1 else ''}"
        + (" · webhooks from a process of their own" if deliveries == "process" else ""),
        f"Database: {masked(url)}",
        f"API: http://{host}:{port}/v1   docs: http://{host}:{port}/docs",
        f"Console: http://{host}:{port}/console  (sign in with an organisation's token)",
        _metrics_line(settings, host, port),
    ]
    if demo:
        found = ensure_demo_org(url, token, keep_in_file=settings.sandbox_enabled)
        lines += ["Demo organisation: Demo Academy", *_token_lines(found, url, sys.stdout.isatty())]
    print("\n".join(lines), flush=True)

    config = uvicorn.Config(
        "openqualify.server.asgi:app",
        workers=workers,
        log_config=log_config(settings.log_level, settings.log_format),
        access_log=False,  # middleware.access_log.AccessLogMiddleware logs requests, with the organisation
        server_header=False,
        http=HTTP_PROTOCOL,  # bounds on request heads, lingering discard of refused bodies (kit.protocol)
        timeout_keep_alive=settings.keep_alive_seconds,  # type: ignore[arg-type]  # seconds, any float
        # X-Forwarded-For is believed only from configured proxies (uvicorn would believe 127.0.0.1 by default).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
    )
    server = uvicorn.Server(config)
    own_process = deliveries == "process"
    try:
        if workers > 1 or own_process:  # a supervisor: the workers' processes, and the deliverer's
            with (
                _multiprocess_metrics(settings.metrics_enabled) as directory,
                _shared_write_positions(settings),
                _delivery_process(own_process) as deliverer,
            ):
                _workers_class()(config, sockets=sockets, metrics_directory=directory, deliverer=deliverer).run()
        else:
            server.run(sockets=sockets)
    except KeyboardInterrupt:
        pass
    finally:
        for each in sockets:
            each.close()
    if not server.started and workers == 1 and not own_process:
        sys.exit(1)  # the application failed to start (uvicorn logged why)


def _metrics_line(settings: object, host: str, port: int) -> str:
    from openqualify.server.config import Settings

    assert isinstance(settings, Settings)
    if not settings.metrics_enabled:
        return "Metrics: off (--metrics on, or a port of their own: --metrics 9464)"
    listener = settings.metrics_listener
    if listener is None:
        return f"Metrics: http://{host}:{port}/metrics"
    return f"Metrics: http://{listener[0] or host}:{listener[1]}/metrics  (their own port)"


def _check_tracing() -> None:
    """Traces asked for by the OTEL_* variables must be possible: one line now rather than a failing worker."""
    from openqualify.server.observability import tracing

    if tracing.requested():
        try:
            tracing.check_environment()
        except tracing.TracingUnavailable as exc:
            fail(str(exc))


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _prepare_given_metrics_directory() -> None:
    """The operator's `PROMETHEUS_MULTIPROC_DIR` (any number of workers): made if absent, and emptied of a
    previous run's values, before this process or a worker writes its own there."""
    given = os.environ.get(MULTIPROC_ENV)
    if not given:
        return
    try:
        os.makedirs(given, exist_ok=True)
        for name in os.listdir(given):
            if name.endswith(".db"):
                os.remove(os.path.join(given, name))
    except OSError as exc:
        fail(f"cannot prepare {MULTIPROC_ENV}={given}: {exc.strerror or exc}")


@contextmanager
def _multiprocess_metrics(enabled: bool) -> Iterator[str | None]:
    """prometheus-client's multiprocess mode for the workers: each keeps its values in files of one directory,
    which every scrape reads. The operator's `PROMETHEUS_MULTIPROC_DIR` (prepared at start), else a new
    temporary directory, removed at exit; set before any worker starts (they inherit it)."""
    given = os.environ.get(MULTIPROC_ENV)
    if given or not enabled:
        yield given or None
        return
    directory = tempfile.mkdtemp(prefix="openqualify-metrics-")
    os.environ[MULTIPROC_ENV] = directory
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def _shared_write_positions(settings: object) -> Iterator[None]:
    """With replicas, the workers share the organisations' last write positions (read-your-writes across workers,
    `server.db.replicas`) through a small file of a temporary directory, removed at exit."""
    from openqualify.server.config import Settings
    from openqualify.server.db.replicas import SHARED_FILE_ENV

    assert isinstance(settings, Settings)
    if not settings.database_replica_urls or os.environ.get(SHARED_FILE_ENV):
        yield
        return
    directory = tempfile.mkdtemp(prefix="openqualify-replicas-")
    os.environ[SHARED_FILE_ENV] = os.path.join(directory, "positions")
    try:
        yield
    finally:
        os.environ.pop(SHARED_FILE_ENV, None)
        shutil.rmtree(directory, ignore_errors=True)


class _Deliverer:
    """The Event hub's delivery process (`server.deliveries`): started before the workers, started again if it
    dies, stopped with them."""

    def __init__(self) -> None:
        import multiprocessing

        self._context = multiprocessing.get_context("spawn")
        self.process: multiprocessing.process.BaseProcess | None = None

    def start(self) -> None:
        from openqualify.server.deliveries import main

        self.process = self._context.Process(target=main, name="openqualify-deliveries", daemon=True)
        self.process.start()

    def keep_alive(self) -> None:
        if self.process is not None and not self.process.is_alive():
            note(f"the delivery process exited ({self.process.exitcode}): starting another")
            self.start()

    def terminate(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.terminate()

    def join(self, timeout: float = 15.0) -> None:
        if self.process is None:
            return
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


@contextmanager
def _delivery_process(wanted: bool) -> Iterator[_Deliverer | None]:
    """With `--deliveries process`: the workers deliver nothing and wake the deliverer through a Unix socket of a
    temporary directory (`server.event_hub.wake`), removed at exit."""
    if not wanted:
        yield None
        return
    directory = tempfile.mkdtemp(prefix="openqualify-hub-")
    os.environ["OPENQUALIFY_EVENT_HUB_WAKE_SOCKET"] = os.path.join(directory, "wake")
    os.environ["OPENQUALIFY_EVENT_HUB_DISPATCHER"] = "false"  # the workers' (the deliverer delivers whatever it says)
    try:
        yield _Deliverer()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _workers_class() -> type:
    from uvicorn.supervisors import Multiprocess

    class Workers(Multiprocess):
        """uvicorn's supervisor, which also forgets a worker's live gauges once the worker has exited (killed,
        crashed or replaced): its in-flight requests and pool connections are no longer anyone's."""

        def __init__(
            self, *args: object, metrics_directory: str | None, deliverer: _Deliverer | None, **kwargs: object
        ) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self.metrics_directory = metrics_directory
            self.deliverer = deliverer
            self._known: set[int] = set()

        def _forget_exited(self) -> None:
            if self.metrics_directory is None:
                return
            from prometheus_client import multiprocess

            alive = {process.pid for process in self.processes if process.pid is not None}
            delivering = self.deliverer.process if self.deliverer is not None else None
            if delivering is not None and delivering.pid is not None and delivering.is_alive():
                alive.add(delivering.pid)  # the deliverer's live gauges are forgotten as a worker's
            for pid in self._known - alive:
                multiprocess.mark_process_dead(pid, self.metrics_directory)
            self._known = alive

        def init_processes(self) -> None:
            if self.deliverer is not None:
                self.deliverer.start()
            super().init_processes()
            self._forget_exited()

        def keep_subprocess_alive(self) -> None:
            super().keep_subprocess_alive()
            if self.deliverer is not None and not self.should_exit.is_set():
                self.deliverer.keep_alive()
            self._forget_exited()

        def terminate_all(self) -> None:
            super().terminate_all()
            if self.deliverer is not None:
                self.deliverer.terminate()

        def restart_all(self) -> None:
            super().restart_all()
            self._forget_exited()

        def join_all(self) -> None:
            super().join_all()
            if self.deliverer is not None:
                self.deliverer.join()
            self.processes = []
            self._forget_exited()

    return Workers


def register(root: typer.Typer) -> None:
    root.command("serve", context_settings=CONTEXT)(serve)
