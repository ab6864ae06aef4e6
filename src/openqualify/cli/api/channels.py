"""`openqualify channels ...` and `openqualify groups ...`: talk channels and assessment groups."""

from __future__ import annotations

from typing import Annotated

import typer

from ._context import Api, command, group
from ._output import show_item, show_rows
from .offerings import OfferingId

app = group("channels", "Talk channels of an offering.")
groups_app = group("groups", "Assessment groups of an offering.")
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


@command(groups_app, "list")
def list_groups(api: Api, offering_id: OfferingId) -> None:
    """List an offering's assessment groups."""
    show_rows(api, api.client.groups.list(offering_id), [("ID", "id"), ("Title", "title"), ("Created", "created_at")])


@command(groups_app, "create")
def create_group(api: Api, offering_id: OfferingId, title: Title) -> None:
    """Create an assessment group."""
    show_item(api, api.client.groups.create(offering_id, title))


@command(groups_app, "learners")
def group_learners(api: Api, offering_id: OfferingId, group_id: Annotated[str, typer.Argument()]) -> None:
    """List the learners in an assessment group."""
    columns = [("Email", "email"), ("First name", "first_name"), ("Last name", "last_name")]
    show_rows(api, api.client.groups.learners(offering_id, group_id), columns)
