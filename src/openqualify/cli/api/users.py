"""`openqualify users ...`: accounts of the organisation."""

from __future__ import annotations

from typing import Annotated

import typer

from ._context import Api, command, group
from ._output import show_done, show_item, show_rows
from .offerings import OFFERING_COLUMNS

app = group("users", "Users of the organisation.")
Email = Annotated[str, typer.Argument(help="The user's e-mail address.")]


@command(app, "get")
def get(api: Api, email: Email) -> None:
    """Show a user."""
    show_item(api, api.client.users.get(email))


@command(app, "create")
def create(
    api: Api,
    email: Email,
    first_name: Annotated[str | None, typer.Option(help="First name.")] = None,
    last_name: Annotated[str | None, typer.Option(help="Last name.")] = None,
    person_id: Annotated[str | None, typer.Option(help="Your organisation's id for the person.")] = None,
    invite: Annotated[bool, typer.Option(help="E-mail an invitation (else the link is returned).")] = True,
) -> None:
    """Create a user."""
    user = api.client.users.create(
        email, first_name=first_name, last_name=last_name, person_id=person_id, send_invite=None if invite else False
    )
    show_item(api, user)


@command(app, "offerings")
def offerings(api: Api, email: Email) -> None:
    """List the offerings a user belongs to."""
    show_rows(api, api.client.users.offerings(email), OFFERING_COLUMNS)


@command(app, "invite")
def invite(api: Api, email: Email) -> None:
    """Send the invitation e-mail again."""
    api.client.users.send_invite(email)
    show_done(api, f"Invitation sent to {email}.")


@command(app, "suspend")
def suspend(api: Api, email: Email) -> None:
    """Suspend a user."""
    api.client.users.suspend(email, True)
    show_done(api, f"Suspended {email}.")


@command(app, "unsuspend")
def unsuspend(api: Api, email: Email) -> None:
    """Reactivate a suspended user."""
    api.client.users.suspend(email, False)
    show_done(api, f"Reactivated {email}.")


@command(app, "grant")
def grant(
    api: Api, email: Email, permission: Annotated[str, typer.Argument(help="builder or manager.")]
) -> None:
    """Grant an organisation permission (builder or manager)."""
    if permission not in ("builder", "manager"):
        raise api.fail("PERMISSION must be builder or manager")
    show_item(api, api.client.users.grant_permission(email, permission))  # type: ignore[arg-type]


@command(app, "transfer")
def transfer(
    api: Api,
    email: Email,
    from_offering: Annotated[str, typer.Option("--from", help="The offering the learner leaves.")],
    to_offering: Annotated[str, typer.Option("--to", help="The offering the learner joins.")],
) -> None:
    """Move a learner and their progress to another offering of the same course."""
    api.client.users.transfer(email, from_offering_id=from_offering, to_offering_id=to_offering)
    show_done(api, f"Moved {email} from {from_offering} to {to_offering}.")


@command(app, "badges")
def badges(api: Api, email: Email) -> None:
    """List the badges a user has been awarded."""
    columns = [("Offering", "offering_id"), ("Title", "title"), ("Awarded", "awarded_at")]
    show_rows(api, api.client.badges.for_user(email), columns)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
