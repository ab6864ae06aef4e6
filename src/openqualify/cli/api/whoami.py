"""`openqualify whoami`: the organisation behind the token."""

from __future__ import annotations

import typer

from ._context import Api, command
from ._output import show_item


def whoami(api: Api) -> None:
    """Show the organisation the token belongs to."""
    show_item(api, api.client.org.get())


def register(root: typer.Typer) -> None:
    command(root, "whoami")(whoami)
