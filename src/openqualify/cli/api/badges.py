"""`openqualify badges ...`: an offering's badge and its awards."""

from __future__ import annotations

from typing import Annotated

import typer

from ._context import Api, command, group
from ._output import show_item
from .offerings import OfferingId

app = group("badges", "Offering badges and awards.")


@command(app, "get")
def badge(api: Api, offering_id: OfferingId) -> None:
    """Show an offering's badge."""
    show_item(api, api.client.badges.get(offering_id))


@command(app, "award")
def award(api: Api, offering_id: OfferingId, email: Annotated[str, typer.Argument(help="The learner.")]) -> None:
    """Award an offering's badge to a learner."""
    show_item(api, api.client.badges.award(offering_id, email))


def register(root: typer.Typer) -> None:
    root.add_typer(app)
