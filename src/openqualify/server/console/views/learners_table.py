"""An offering's learners as a table: filtered, sorted and paged on the server, so thousands of rows never reach
the page at once (the browser gets one page of at most `MAX_PAGE_SIZE` rows)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openqualify.server.console.sheets import Sheet
from openqualify.server.console.views.common import COMPLETION_BINS, completion_bin
from openqualify.server.users.schemas import full_name

SORTS = ("name", "email", "completion", "lastLogin")
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
MAX_QUERY = 200


@dataclass(frozen=True, slots=True)
class LearnerRow:
    email: str
    name: str
    completion: int
    last_login: str | None  # wire text, sorts as time


@dataclass(frozen=True, slots=True)
class TableQuery:
    """What the table shows: the browser sends it as query parameters; anything unusable falls back to defaults."""

    sort: str = "name"
    descending: bool = False
    text: str = ""
    band: int | None = None  # a completion bin (0-10), or all
    page: int = 1
    size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> TableQuery:
        sort = params.get("sort", "name")
        band_text = params.get("band", "")
        band = int(band_text) if band_text.isdigit() and int(band_text) < len(COMPLETION_BINS) else None
        page_text, size_text = params.get("page", "1"), params.get("size", "")
        size = int(size_text) if size_text.isdigit() and int(size_text) in PAGE_SIZES else DEFAULT_PAGE_SIZE
        return cls(
            sort=sort if sort in SORTS else "name",
            descending=params.get("dir") == "desc",
            text=params.get("q", "").strip()[:MAX_QUERY],
            band=band,
            page=max(1, int(page_text)) if page_text.isdigit() else 1,
            size=size,
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """Query parameters of this view with some changed (for links); defaults are left out."""
        values = {
            "sort": self.sort,
            "dir": "desc" if self.descending else "asc",
            "q": self.text,
            "band": "" if self.band is None else str(self.band),
            "page": str(self.page),
            "size": str(self.size),
            **{k: str(v) for k, v in changes.items()},
        }
        defaults = {"sort": "name", "dir": "asc", "q": "", "band": "", "page": "1", "size": str(DEFAULT_PAGE_SIZE)}
        return {k: v for k, v in values.items() if v != defaults[k]}


@dataclass(frozen=True, slots=True)
class LearnerTable:
    offering_id: str
    query: TableQuery
    rows: list[LearnerRow]
    total: int  # learners of the offering
    matched: int  # after the filters
    page: int
    pages: int
    found: list[LearnerRow]  # every learner matching the filters, in the table's order (for the CSV download)

    @property
    def first(self) -> int:
        return 0 if not self.rows else (self.page - 1) * self.query.size + 1

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def band_label(self) -> str | None:
        return None if self.query.band is None else COMPLETION_BINS[self.query.band]

    def sheets(self) -> list[Sheet]:
        return [Sheet("learners", ["Name", "E-mail", "Completion (%)", "Last login"],
                      lambda: [[r.name, r.email, r.completion, r.last_login] for r in self.found])]

    def sort_state(self, column: str) -> str:
        """aria-sort of a column header."""
        if column != self.query.sort:
            return "none"
        return "descending" if self.query.descending else "ascending"


def learner_rows(progress_rows: Sequence[Mapping[str, Any]]) -> list[LearnerRow]:
    """From `/offerings/{id}/analytics/learners-progress` rows (the API's own list)."""
    return [
        LearnerRow(
            row["email"],
            full_name(row.get("firstName"), row.get("lastName")) or "",
            int(row.get("completion") or 0),
            row.get("lastLoggedInAt"),
        )
        for row in progress_rows
    ]


_KEYS: dict[str, Callable[[LearnerRow], Any]] = {
    "name": lambda r: r.name.casefold() or "\uffff",  # the nameless last
    "email": lambda r: r.email.casefold(),
    "completion": lambda r: r.completion,
    "lastLogin": lambda r: r.last_login or "",
}


def _by_name(row: LearnerRow) -> tuple[str, str]:
    return row.name.casefold() or "\uffff", row.email.casefold()


def ordered(rows: list[LearnerRow], sort: str, descending: bool) -> list[LearnerRow]:
    """Rows by a column, either way; ties always by name then e-mail, A to Z (two stable sorts)."""
    by_name = sorted(rows, key=_by_name)
    return by_name if sort == "name" and not descending else sorted(by_name, key=_KEYS[sort], reverse=descending)


def _matches(text: str) -> Callable[[LearnerRow], bool]:
    needle = text.casefold()
    return lambda r: needle in r.email.casefold() or needle in r.name.casefold()


def table(offering_id: str, rows: list[LearnerRow], query: TableQuery) -> LearnerTable:
    found = rows
    if query.band is not None:
        found = [r for r in found if completion_bin(r.completion) == query.band]
    if query.text:
        found = list(filter(_matches(query.text), found))
    found = ordered(found, query.sort, query.descending)
    pages = max(1, math.ceil(len(found) / query.size))
    page = min(query.page, pages)
    start = (page - 1) * query.size
    return LearnerTable(offering_id, query, found[start : start + query.size], len(rows), len(found), page, pages,
                        found)
