"""The `openqualify` command: admin commands (`admin/`, need the server) and API commands (`api/`, the SDK).

Every command module is listed here and registers itself on the root app (`module.register(app)`), in the order
`--help` shows them. Importing them imports neither the server nor its dependencies: an admin command imports
the server when it runs, and says in one line how to install it when it is missing.
"""

from __future__ import annotations

import sys

import typer

from openqualify.cli._pipes import quiet_on_closed_pipe
from openqualify.cli.admin import db, org, serve
from openqualify.cli.api import badges, channels, courses, groups, mappings, marks, offerings, progress, users, whoami

ADMIN_COMMANDS = (serve, org, db)
API_COMMANDS = (offerings, users, courses, channels, groups, marks, mappings, badges, progress, whoami)

app = typer.Typer(
    help="OpenQualify: the iQualify Management API v1, self-hosted.", no_args_is_help=True, rich_markup_mode=None
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
