"""`openqualify groups ...`: an offering's assessment groups and their learners."""

from __future__ import annotations

from typing import Annotated

import typer

from ._context import Api, command, group
from ._output import show_item, show_rows
from .offerings import OfferingId

app = group("groups", "Assessment groups of an offering.")
Title = Annotated[str, typer.Argument(help="Title.")]


@command(app, "list")
def list_groups(api: Api, offering_id: OfferingId) -> None:
    """List an offering's assessment groups."""
    show_rows(api, api.client.groups.list(offering_id), [("ID", "id"), ("Title", "title"), ("Created", "created_at")])


@command(app, "create")
def create_group(api: Api, offering_id: OfferingId, title: Title) -> None:
    """Create an assessment group."""
    show_item(api, api.client.groups.create(offering_id, title))


@command(app, "learners")
def group_learners(api: Api, offering_id: OfferingId, group_id: Annotated[str, typer.Argument()]) -> None:
    """List the learners in an assessment group."""
    columns = [("Email", "email"), ("First name", "first_name"), ("Last name", "last_name")]
    show_rows(api, api.client.groups.learners(offering_id, group_id), columns)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
