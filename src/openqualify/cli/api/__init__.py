"""The API commands of the `openqualify` CLI; `register(app)` adds them to the root Typer app."""

from __future__ import annotations

import typer

from . import (
    channels,
    courses,
    enrol,  # noqa: F401  (adds `offerings enrol` to the offerings group)
    export,
    mappings,
    offerings,
    progress,
    users,
)
from ._context import (
    EXIT_CLIENT_ERROR,
    EXIT_CONNECTION_ERROR,
    EXIT_OK,
    EXIT_SERVER_ERROR,
    EXIT_USAGE,
    ApiCommand,
    ClientFactory,
    api_command,
    set_client_factory,
)

GROUPS = (
    offerings.app,
    users.app,
    courses.app,
    channels.app,
    channels.groups_app,
    export.app,
    mappings.app,
    mappings.badges_app,
)


def register(app: typer.Typer, client_factory: ClientFactory | None = None) -> None:
    """Add the API command groups and the `progress` and `whoami` commands to `app`.

    `client_factory(base_url, token)` replaces how commands build their `Client` (useful in tests).
    """
    set_client_factory(client_factory)
    for sub in GROUPS:
        app.add_typer(sub)
    app.command("progress", cls=ApiCommand, help=progress.progress.__doc__)(api_command(progress.progress))
    app.command("whoami", cls=ApiCommand, help=mappings.whoami.__doc__)(api_command(mappings.whoami))


__all__ = [
    "EXIT_CLIENT_ERROR",
    "EXIT_CONNECTION_ERROR",
    "EXIT_OK",
    "EXIT_SERVER_ERROR",
    "EXIT_USAGE",
    "register",
    "set_client_factory",
]
