"""`openqualify proxy --upstream URL`: the recording, contract-checking proxy; `openqualify proxy report DIR`: what
a recording holds, by operation. Needs `pip install 'openqualify[proxy]'` (uvicorn, jsonschema)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from .._tables import render_table
from ._context import EXIT_USAGE, ApiGroup

app = typer.Typer(
    name="proxy",
    help="A recording, contract-checking proxy to an iQualify API (docs/proxy.md).",
    cls=ApiGroup,
    invoke_without_command=True,
    add_completion=False,
    rich_markup_mode=None,
)

PROXY_EXTRA = "the proxy needs its extra: pip install 'openqualify[proxy]'"


def _log_config(level: str) -> dict[str, Any]:
    handler = {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "openqualify.proxy": {"handlers": ["default"], "level": level, "propagate": False},
        },
    }


@app.callback()
def proxy(
    ctx: typer.Context,
    upstream: Annotated[
        str | None, typer.Option("--upstream", help="The API to forward to, e.g. https://api.iqualify.com/v1.")
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8100,
    record: Annotated[
        Path | None, typer.Option("--record", help="Keep every exchange, redacted, in DIR/exchanges.jsonl.")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Violations report (JSON lines); default DIR/violations.jsonl with --record."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Answer 502 with the violations when the upstream breaks the contract.")
    ] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the upstream's answer.")] = 60.0,
    connect_timeout: Annotated[float, typer.Option("--connect-timeout", help="Seconds to connect upstream.")] = 5.0,
    max_body_bytes: Annotated[
        int, typer.Option("--max-body-bytes", help="Bodies up to this size are checked and recorded.")
    ] = 10 * 1024 * 1024,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")] = "info",
) -> None:
    """Forward /v1 to the upstream with the caller's own token, check each exchange against the contract
    (X-OpenQualify-Contract: ok or violations=N), and record it redacted."""
    if ctx.invoked_subcommand is not None:
        return
    if not upstream:
        typer.echo("Error: --upstream is required (e.g. --upstream https://api.iqualify.com/v1)", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        import uvicorn

        from openqualify.proxy.app import ProxyApp, ProxyConfig
    except ImportError:
        typer.echo(f"Error: {PROXY_EXTRA}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if not upstream.startswith(("http://", "https://")):
        typer.echo(f"Error: --upstream should be an http(s) URL, not {upstream}", err=True)
        raise typer.Exit(EXIT_USAGE)
    config = ProxyConfig(
        upstream=upstream, record_dir=record, report_file=report, strict=strict, timeout=timeout,
        connect_timeout=connect_timeout, max_body_bytes=max_body_bytes,
    )  # fmt: skip
    lines = [f"OpenQualify proxy: http://{host}:{port}/v1 -> {upstream}" + (" (strict)" if strict else "")]
    if record:
        lines.append(f"Recording: {record / 'exchanges.jsonl'} (tokens redacted)")
    if config.violations_file:
        lines.append(f"Violations: {config.violations_file}")
    print("\n".join(lines), flush=True)
    uvicorn.run(
        ProxyApp(config), host=host, port=port, log_config=_log_config(log_level.upper()), access_log=False,
        server_header=False, date_header=False, lifespan="on",
    )  # fmt: skip


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


@app.command("report")
def report_command(
    directory: Annotated[Path, typer.Argument(help="A folder written by `openqualify proxy --record`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Summarise a recording by operation: calls, statuses, violations, errata, latency percentiles."""
    from openqualify.proxy.report import summarise

    try:
        summaries = summarise(directory)
    except FileNotFoundError as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if as_json:
        typer.echo(json.dumps([s.to_json() for s in summaries], indent=2))
        return
    out = Console(file=sys.stdout, highlight=False, soft_wrap=False)
    rows = [
        [s.operation, str(s.calls), " ".join(f"{k}:{v}" for k, v in sorted(s.statuses.items())), str(s.violations),
         " ".join(sorted(s.errata)), _ms(s.percentile(50)), _ms(s.percentile(95)), _ms(s.percentile(99))]
        for s in summaries
    ]  # fmt: skip
    render_table(out, ["Operation", "Calls", "Statuses", "Violations", "Errata", "p50 ms", "p95 ms", "p99 ms"], rows)
    for summary in summaries:
        for example in summary.examples:
            typer.echo(f"{summary.operation}: {example}")


def register(root: typer.Typer) -> None:
    root.add_typer(app)
