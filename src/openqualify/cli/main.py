"""The `openqualify` command: admin commands (`admin/`, need the server) and API commands (`api/`, the SDK)."""

from __future__ import annotations

import sys

import typer

from openqualify.cli import admin
from openqualify.cli._pipes import quiet_on_closed_pipe

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
        with quiet_on_closed_pipe():
            app()
    except typer.Exit as done:  # raised by the pipe check outside Click's own handling
        sys.exit(done.exit_code)


if __name__ == "__main__":
    main()
