"""The admin commands (serve, org, db): they run the server's code, which only `openqualify[server]` installs.

Nothing here imports the server at module level, so the base install (SDK and API commands) still has a
working `openqualify` command; an admin command without the server says how to install it.
"""

from __future__ import annotations

import typer

from openqualify.cli.admin import orgs, serve


def register(app: typer.Typer) -> None:
    app.command("serve", context_settings=serve.CONTEXT)(serve.serve)
    app.add_typer(orgs.org_app, name="org")
    app.add_typer(orgs.db_app, name="db")
