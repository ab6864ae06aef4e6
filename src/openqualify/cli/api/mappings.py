"""`openqualify mappings ...`: links between offerings and external course ids."""

from __future__ import annotations

from typing import Annotated

import typer

from ._context import Api, command, group
from ._output import show_rows
from .offerings import OfferingId

app = group("mappings", "Links between offerings and external course ids.")
ExternalId = Annotated[str, typer.Argument(help="The external course id.")]


@command(app, "list")
def list_mappings(api: Api) -> None:
    """List every offering-to-external-course mapping."""
    mappings = api.client.course_mappings.list()
    rows = [{"offering": k, "external": v} for k, v in mappings.items()]
    if api.json:
        api.print_json(mappings)
    else:
        show_rows(api, rows, [("Offering", "offering"), ("External course", "external")])


@command(app, "add")
def add(api: Api, offering_id: OfferingId, external_id: ExternalId) -> None:
    """Map an offering to an external course id."""
    ids = api.client.course_mappings.add(offering_id, external_id)
    show_rows(api, ids, [("External course", lambda value: value)])


@command(app, "remove")
def remove(api: Api, offering_id: OfferingId, external_id: ExternalId) -> None:
    """Remove a mapping."""
    ids = api.client.course_mappings.remove(offering_id, external_id)
    show_rows(api, ids, [("External course", lambda value: value)])


def register(root: typer.Typer) -> None:
    root.add_typer(app)
