"""`openqualify offerings ...`: list, inspect and create offerings, and manage their members (`enrol` adds many
from a CSV file; its batching and reporting live in `_enrol.py`)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from openqualify.client import IQualifyError
from openqualify.client.models import OfferingUserResponse, PortfolioActivations

from ._context import EXIT_ROWS_FAILED, Api, command, group
from ._enrol import DEFAULT_BATCH_SIZE, Summary, enrol_rows, print_summary, read_rows
from ._export import ONE_PAGE, fetching, page_size, warn_if_cut
from ._output import show_done, show_item, show_rows

app = group("offerings", "Offerings (class activations) and their members.")

OFFERING_COLUMNS = [("ID", "id"), ("Name", "name"), ("Start", "start"), ("End", "end"), ("Identifier", "identifier")]
SUMMARY_COLUMNS = [("ID", "id"), ("Name", "name"), ("Start", "start"), ("End", "end"), ("Learners", "learners_count")]


def role_of(member: OfferingUserResponse) -> str:
    roles = [name for name, flag in (("facilitator", member.is_facilitator), ("marker", member.is_marker)) if flag]
    return "+".join(roles) or "learner"


MEMBER_COLUMNS = [("Email", "email"), ("First name", "first_name"), ("Last name", "last_name"), ("Role", role_of)]
OfferingId = Annotated[str, typer.Argument(help="The offering's id.")]
EARLIEST = datetime.min.replace(tzinfo=UTC)


@command(app, "list")
def list_offerings(
    api: Api,
    current: Annotated[bool, typer.Option("--current", help="Only offerings running now.")] = False,
    future: Annotated[bool, typer.Option("--future", help="Only offerings not started yet.")] = False,
    past: Annotated[bool, typer.Option("--past", help="Only offerings that have ended.")] = False,
) -> None:
    """List offerings (all of them, or one time bucket)."""
    chosen = [name for name, flag in (("current", current), ("future", future), ("past", past)) if flag]
    if len(chosen) > 1:
        raise api.fail("choose at most one of --current, --future, --past")
    offerings = api.client.offerings
    rows = getattr(offerings, chosen[0])() if chosen else offerings.list()
    show_rows(api, rows, OFFERING_COLUMNS)


@command(app, "get")
def get(api: Api, offering_id: OfferingId) -> None:
    """Show one offering."""
    show_item(api, api.client.offerings.get(offering_id))


@command(app, "search")
def search(api: Api, text: Annotated[str, typer.Argument(help="At least 3 characters of `info`.")]) -> None:
    """Find offerings whose info contains TEXT."""
    show_rows(api, api.client.offerings.search(text), SUMMARY_COLUMNS)


@command(app, "summary")
def summary(
    api: Api,
    top: Annotated[int | None, typer.Option(min=1, max=ONE_PAGE, help="One page of at most N ($top).")] = None,
    orderby: Annotated[str | None, typer.Option(help="One page in this order, e.g. 'start desc' ($orderby).")] = None,
    filter: Annotated[str | None, typer.Option(help="e.g. \"contains(name,'Safety')\" ($filter).")] = None,
) -> None:
    """Summary of offerings: every one (by start), or with --top/--orderby one page as the API answers it."""
    if top is None and orderby is None:
        rows: list[PortfolioActivations] = []
        with fetching(api, "offerings") as advance:
            for page in api.client.offerings.summary_pages(filter=filter):
                advance(len(page))
                rows.extend(page)
        rows.sort(key=lambda o: (o.start is None, o.start or EARLIEST, o.id or ""))  # the API's own order
    else:
        shown, limit = page_size(top)
        rows = api.client.offerings.summary(top=min(shown + 1, ONE_PAGE), orderby=orderby, filter=filter)
        warn_if_cut(api, min(len(rows), shown), len(rows) > shown, "offerings", limit)
        rows = rows[:shown]
    show_rows(api, rows, SUMMARY_COLUMNS)


@command(app, "create")
def create(
    api: Api,
    start: Annotated[str, typer.Option(help="Start date-time, e.g. 2025-01-01T00:00:00Z.")],
    end: Annotated[str | None, typer.Option(help="End date-time.")] = None,
    name: Annotated[str | None, typer.Option(help="Name.")] = None,
    content_id: Annotated[str | None, typer.Option(help="A specific course version.")] = None,
    root_content_id: Annotated[str | None, typer.Option(help="A course (latest version).")] = None,
    identifier: Annotated[str | None, typer.Option(help="Your own code for the offering.")] = None,
) -> None:
    """Create an offering from a course."""
    created = api.client.offerings.create(
        start=start, end=end, name=name, content_id=content_id, root_content_id=root_content_id,
        identifier=identifier,
    )  # fmt: skip
    show_item(api, created)


@command(app, "users")
def users(
    api: Api,
    offering_id: OfferingId,
    role: Annotated[str | None, typer.Option(help="Only learners, facilitators or markers.")] = None,
) -> None:
    """List an offering's members."""
    filters: dict[str, Any] = {}
    if role is not None:
        roles = {"learners", "facilitators", "markers"}
        if role not in roles:
            raise api.fail("--role must be one of learners, facilitators, markers")
        filters = {name: name == role for name in roles}
    show_rows(api, api.client.offerings.users(offering_id, **filters), MEMBER_COLUMNS)


@command(app, "remove-user")
def remove_user(api: Api, offering_id: OfferingId, email: Annotated[str, typer.Argument()]) -> None:
    """Remove a member from an offering."""
    api.client.offerings.remove_user(offering_id, email)
    show_done(api, f"Removed {email} from {offering_id}.")


@command(app, "enrol")
def enrol(
    api: Api,
    offering_id: OfferingId,
    csv_path: Annotated[
        Path,
        typer.Option("--csv", exists=True, dir_okay=False, help="CSV with email, firstName, lastName, personId, role."),
    ],
    batch_size: Annotated[int, typer.Option(min=1, max=1000, help="Users per request.")] = DEFAULT_BATCH_SIZE,
    invite: Annotated[bool, typer.Option(help="Send invitations to new users.")] = True,
    notify: Annotated[bool, typer.Option(help="Notify existing users by e-mail.")] = True,
) -> None:
    """Add the people in a CSV file to an offering and report added, existing and failed rows (exit code 5 when
    any row failed)."""
    try:
        rows = read_rows(csv_path, invite, notify)
    except (ValueError, UnicodeDecodeError, csv.Error) as error:
        raise api.fail(str(error)) from error
    summary = Summary()
    try:
        enrol_rows(api, offering_id, rows, batch_size, summary)
    except IQualifyError:
        print_summary(api, summary)  # what was done before the failure, then the error itself
        raise
    print_summary(api, summary)
    if summary.failed:
        raise typer.Exit(EXIT_ROWS_FAILED)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
