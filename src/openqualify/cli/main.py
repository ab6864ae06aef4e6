"""The `openqualify` command: admin commands (`admin/`, need the server) and API commands (`api/`, the SDK)."""

from __future__ import annotations

import os
import sys

import typer

from openqualify.cli import admin

app = typer.Typer(
    help="OpenQualify: the iQualify Management API v1, self-hosted.", no_args_is_help=True, rich_markup_mode=None
)
admin.register(app)


def _register_api_commands() -> None:
    from openqualify.cli.api import register

    register(app)


_register_api_commands()


def main() -> None:
    """The console script: `app()`, quiet when the reader of stdout goes away (`openqualify ... | head`)."""
    try:
        app()
    except BrokenPipeError:
        _quiet_exit()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_exit()


def _quiet_exit() -> None:
    # Python would complain again when it flushes stdout at exit: point stdout at nothing first.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(0)


if __name__ == "__main__":
    main()
