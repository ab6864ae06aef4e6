"""What the exporting commands share: pages fetched with a progress bar on stderr, offering names for ids, and a
warning on stderr whenever a limit cut the output."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

from openqualify.client import MAX_PAGE_SIZE, Client

from ._context import Api

ONE_PAGE = MAX_PAGE_SIZE
"""The most rows one request returns (`$top` at most 1000)."""
DEFAULT_TOP = 50
"""The page the API answers without `$top`."""


class OfferingNames:
    """Offering id -> name: from what answers carried (`learn`), else from one `GET /offerings` when an id is
    first missing. An offering the organisation no longer has gets an empty name."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._names: dict[str, str] = {}
        self._listed = False

    def learn(self, names: Mapping[str, str]) -> None:
        self._names.update(names)

    def __call__(self, offering_id: str | None) -> str:
        if not offering_id:
            return ""
        if offering_id not in self._names and not self._listed:
            self._listed = True
            listed = self._client.offerings.list()
            self._names.update({o.id: o.name or "" for o in listed if o.id and o.id not in self._names})
        return self._names.get(offering_id, "")


@contextmanager
def fetching(api: Api, what: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (on a terminal only) counting `what` as pages arrive; yields `advance(rows)`."""
    columns = (
        SpinnerColumn(),
        TextColumn(f"Fetching {what}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} {task.fields[what]}, {task.fields[pages]} pages read"),
    )
    if not api.err.is_terminal:  # no bar at all: a disabled one still writes a newline (rich < 14)
        yield lambda rows: None
        return
    with Progress(*columns, console=api.err, transient=True) as progress:
        task = progress.add_task(what, total=None, what=what, pages=0)
        pages = 0

        def advance(rows: int) -> None:
            nonlocal pages
            pages += 1
            progress.update(task, advance=rows, pages=pages)

        yield advance


def warn(api: Api, message: str) -> None:
    """A warning on stderr: the output is not everything that was asked for."""
    api.err.print(f"Warning: {message}", markup=False, highlight=False)


def page_size(top: int | None) -> tuple[int, str]:
    """The rows one page shows for `--top` (None: the API's default) and how to name that limit."""
    return (top, f"--top {top}") if top is not None else (DEFAULT_TOP, f"the API's page of {DEFAULT_TOP}")


def warn_if_cut(api: Api, shown: int, more: bool, what: str, limit: str) -> None:
    """After one page: say so when rows were left out (`more`), or may have been (a full page of the most one
    request returns)."""
    if more:
        warn(api, f"{limit} cut the output at {shown} {what}; more match (without --top and --orderby, every "
                  f"one is listed)")  # fmt: skip
    elif shown >= ONE_PAGE:
        warn(api, f"{shown} {what} is the most one request returns; more may match (without --top and --orderby, "
                  f"every one is listed)")  # fmt: skip
