"""`openqualify channels ...`: an offering's talk channels."""

from __future__ import annotations

from typing import Annotated

import typer

from ._context import Api, command, group
from ._output import show_item, show_rows
from .offerings import OfferingId

app = group("channels", "Talk channels of an offering.")
Title = Annotated[str, typer.Argument(help="Title.")]


@command(app, "list")
def list_channels(api: Api, offering_id: OfferingId) -> None:
    """List an offering's channels."""
    columns = [("ID", "id"), ("Title", "title"), ("Broadcast only", "is_broadcast_only")]
    show_rows(api, api.client.channels.list(offering_id), columns)


@command(app, "create")
def create_channel(
    api: Api,
    offering_id: OfferingId,
    title: Title,
    broadcast_only: Annotated[bool, typer.Option("--broadcast-only", help="Only facilitators post.")] = False,
) -> None:
    """Add a channel to an offering."""
    show_item(api, api.client.channels.create(offering_id, title, is_broadcast_only=broadcast_only or None))


def register(root: typer.Typer) -> None:
    root.add_typer(app)
