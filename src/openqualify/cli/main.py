"""The `openqualify` command: admin commands (`admin/`, need the server) and API commands (`api/`, the SDK).

Every command module is listed here and registers itself on the root app (`module.register(app)`), in the order
`--help` shows them. Importing them imports neither the server nor its dependencies: an admin command imports
the server when it runs, and says in one line how to install it when it is missing.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from openqualify.cli._pipes import quiet_on_closed_pipe
from openqualify.cli.admin import db, mirror, org, serve
from openqualify.cli.api import (
    badges,
    channels,
    courses,
    groups,
    hub,
    mappings,
    marks,
    offerings,
    progress,
    proxy,
    sandbox,
    users,
    whoami,
)
from openqualify.cli.api._context import ApiGroup, UsageError, as_usage

ADMIN_COMMANDS = (serve, org, db, mirror)
API_COMMANDS = (
    offerings, users, courses, channels, groups, marks, mappings, badges, progress, whoami, sandbox, proxy, hub,
)  # fmt: skip



class RootGroup(ApiGroup):
    """`openqualify`: a usage error anywhere below it (an unknown command, a bad option of `serve`) exits with
    1, as docs/cli.md's table says, not Click's 2, which the API commands use for a refused request."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as error:
            raise as_usage(error) from None


app = typer.Typer(
    help="OpenQualify: the iQualify Management API v1, self-hosted.",
    cls=RootGroup,
    no_args_is_help=True,
    rich_markup_mode=None,
)
for module in (*ADMIN_COMMANDS, *API_COMMANDS):
    module.register(app)


def main() -> None:
    """The console script: `app()`, quiet when the reader of stdout goes away (`openqualify ... | head`)."""
    try:
        with quiet_on_closed_pipe():
            app()
    except typer.Exit as done:  # raised by the pipe check outside Click's own handling
        sys.exit(done.exit_code)


if __name__ == "__main__":
    main()
