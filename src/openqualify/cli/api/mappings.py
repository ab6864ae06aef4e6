"""`openqualify mappings ...`, `openqualify badges ...` and `openqualify whoami`."""

from __future__ import annotations

from typing import Annotated

import typer

from ._context import Api, command, group
from ._output import show_item, show_rows
from .offerings import OfferingId

app = group("mappings", "Links between offerings and external course ids.")
badges_app = group("badges", "Offering badges and awards.")
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


@command(badges_app, "get")
def badge(api: Api, offering_id: OfferingId) -> None:
    """Show an offering's badge."""
    show_item(api, api.client.badges.get(offering_id))


@command(badges_app, "award")
def award(api: Api, offering_id: OfferingId, email: Annotated[str, typer.Argument(help="The learner.")]) -> None:
    """Award an offering's badge to a learner."""
    show_item(api, api.client.badges.award(offering_id, email))


def whoami(api: Api) -> None:
    """Show the organisation the token belongs to."""
    show_item(api, api.client.org.get())
