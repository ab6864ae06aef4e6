"""`openqualify progress`: learners' completion, per offering, per user or for everyone."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ._context import Api, command
from ._output import Columns, CsvOption, emit, show_item, to_data

OFFERING_COLUMNS: Columns = [
    ("email", "email"), ("firstName", "first_name"), ("lastName", "last_name"), ("personId", "person_id"),
    ("completion", "completion"), ("lastLoggedInAt", "last_logged_in_at"),
]  # fmt: skip
USER_COLUMNS: Columns = [("offering", "id"), ("completion", "completion")]
ALL_COLUMNS: Columns = [
    ("email", "email"), ("firstName", "first_name"), ("lastName", "last_name"), ("personId", "person_id"),
    ("offerings", lambda learner: [f"{o.id}={o.completion}" for o in learner.offerings or []]),
]  # fmt: skip


def progress(
    api: Api,
    offering: Annotated[str | None, typer.Option("--offering", help="An offering's id.")] = None,
    user: Annotated[str | None, typer.Option("--user", help="A learner's e-mail.")] = None,
    top: Annotated[int | None, typer.Option(help="All learners: at most this many ($top).")] = None,
    orderby: Annotated[str | None, typer.Option(help="All learners: order ($orderby).")] = None,
    filter: Annotated[str | None, typer.Option(help="All learners: filter ($filter).")] = None,
    csv_path: CsvOption = None,
) -> None:
    """Learners' progress: --offering ID, --user EMAIL, both, or neither (every learner)."""
    client = api.client.progress
    if offering and user:
        show_item(api, client.user_offering(user, offering))
        return
    data: Any
    if offering:
        data = client.offering(offering)
        rows, columns = data, OFFERING_COLUMNS
    elif user:
        data = client.user(user)
        rows, columns = data.offerings or [], USER_COLUMNS
    else:
        data = client.all(top=top, orderby=orderby, filter=filter)
        rows, columns = data.learners, ALL_COLUMNS
    if api.json and csv_path is None:
        api.print_json(to_data(data))  # the whole answer, not just the rows
    else:
        emit(api, rows, columns, csv_path)


def register(root: typer.Typer) -> None:
    command(root, "progress")(progress)
