"""`openqualify progress`: learners' completion, per offering, per user or for everyone, as tidy rows: one per
learner and offering, with the offering's name."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import typer

from openqualify.client.models import LearnerResponse

from ._context import Api, command
from ._export import ONE_PAGE, OfferingNames, fetching, page_size, warn_if_cut
from ._output import Columns, CsvOption, emit, show_item, to_data


@dataclass(frozen=True)
class ProgressRow:
    """One learner in one offering."""

    email: str | None
    first_name: str | None
    last_name: str | None
    person_id: str | None
    offering_id: str | None
    offering_name: str
    completion: str | None
    last_logged_in_at: datetime | None = None


COLUMNS: Columns = [
    ("email", "email"), ("firstName", "first_name"), ("lastName", "last_name"), ("personId", "person_id"),
    ("offeringId", "offering_id"), ("offeringName", "offering_name"), ("completion", "completion"),
]  # fmt: skip
OFFERING_COLUMNS: Columns = [*COLUMNS, ("lastLoggedInAt", "last_logged_in_at")]
USER_TABLE_COLUMNS: Columns = [("offeringId", "offering_id"), ("offeringName", "offering_name"),
                               ("completion", "completion")]  # fmt: skip


def tidy(learners: Iterable[LearnerResponse], names: OfferingNames) -> Iterator[ProgressRow]:
    """One row per learner and offering (a learner in no offering: one row without one)."""
    for learner in learners:
        who = (learner.email, learner.first_name, learner.last_name, learner.person_id)
        offerings = learner.offerings or []
        if not offerings:
            yield ProgressRow(*who, None, "", None)
        for offering in offerings:
            yield ProgressRow(*who, offering.id, names(offering.id), offering.completion)


def every_learner(api: Api, filter: str | None, names: OfferingNames) -> Iterator[LearnerResponse]:
    """Every learner matching `filter`, page after page, with a progress bar."""
    with fetching(api, "learners") as advance:
        for page in api.client.progress.all_pages(filter=filter):
            names.learn(page.offering_names)
            advance(len(page.learners))
            yield from page.learners


def one_page(api: Api, top: int | None, orderby: str | None, filter: str | None) -> list[LearnerResponse]:
    """One page in the server's order (one request), warning when more learners match."""
    shown, limit = page_size(top)
    asked = min(shown + 1, ONE_PAGE)  # one more than shown tells whether the page cut the list
    learners = api.client.progress.all(top=asked, orderby=orderby, filter=filter).learners
    warn_if_cut(api, min(len(learners), shown), len(learners) > shown, "learners", limit)
    return learners[:shown]


def progress(
    api: Api,
    offering: Annotated[str | None, typer.Option("--offering", help="An offering's id.")] = None,
    user: Annotated[str | None, typer.Option("--user", help="A learner's e-mail.")] = None,
    top: Annotated[
        int | None, typer.Option(min=1, max=ONE_PAGE, help="All learners: one page of at most N ($top).")
    ] = None,
    orderby: Annotated[str | None, typer.Option(help="All learners: one page in this order ($orderby).")] = None,
    filter: Annotated[str | None, typer.Option(help="All learners: filter ($filter).")] = None,
    csv_path: CsvOption = None,
) -> None:
    """Learners' progress: --offering ID, --user EMAIL, both, or neither (every learner, page after page; with
    --top or --orderby, one page as the API answers it, 50 learners unless --top says otherwise)."""
    client = api.client.progress
    names = OfferingNames(api.client)
    if offering and user:
        show_item(api, client.user_offering(user, offering))
        return
    if offering:
        learners_of_offering = client.offering(offering)
        if api.json and csv_path is None:
            api.print_json(to_data(learners_of_offering))  # as the API sent them
            return
        name = api.client.offerings.get(offering).name or ""
        rows = (
            ProgressRow(p.email, p.first_name, p.last_name, p.person_id, offering, name, p.completion,
                        p.last_logged_in_at)
            for p in learners_of_offering
        )  # fmt: skip
        emit(api, rows, OFFERING_COLUMNS, csv_path)
        return
    if user:
        learner = client.user(user)
        if api.json and csv_path is None:
            api.print_json(to_data(learner))
            return
        emit(api, tidy([learner], names), COLUMNS, csv_path, USER_TABLE_COLUMNS)
        return
    paged = top is None and orderby is None  # else one page, as the API gives it
    learners = every_learner(api, filter, names) if paged else one_page(api, top, orderby, filter)
    if api.json and csv_path is None:
        api.print_json([to_data(learner) for learner in learners])  # as the API sent them
        return
    emit(api, tidy(learners, names), COLUMNS, csv_path)


def register(root: typer.Typer) -> None:
    command(root, "progress")(progress)
