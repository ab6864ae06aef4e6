"""Every row of a `$top`-limited list, page after page, with only what the contract offers.

`GET /users/all/progress` and `GET /offerings/summary` return one page (`$top`, 50 by default, at most 1000) and
have no `$skip` or continuation token. Their rows have a unique `id` that `$orderby` and `$filter` accept, so the
next page is the rows after the last one seen: `$orderby=id asc` and `$filter=(<the caller's filter>) and id gt
'<last id>'` (keyset paging). It needs no state on the server, does not skip or repeat rows when rows are added
or removed between pages (a row added behind the cursor is simply not in this pass), and each page costs the
server what the first one does.

A page shorter than asked ends the pass only when the server said it applied the size asked (`top` in the answer
of `/users/all/progress`); otherwise the pass ends at an empty page, so a server that caps pages below the size
asked (without saying so) cannot end an export early.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_PAGE_SIZE = 1000
"""The largest `$top` the lists accept (OpenQualify answers 400 above it)."""

PAGE_KEY = "id"
"""The field pages are ordered and continued by: unique, and accepted by `$orderby` and `$filter` of both lists."""


class PagingError(RuntimeError):
    """The server's pages do not move forward (a row without an id, or rows of the previous page again): the
    list cannot be read page by page, and going on would repeat rows or never end."""


def odata_string(value: str) -> str:
    """An OData string literal: in single quotes, a quote doubled."""
    return "'" + value.replace("'", "''") + "'"


@dataclass
class Keyset:
    """Where the next page starts; `params()` asks for it, `advance()` moves past the page received."""

    filter: str | None = None
    page_size: int = MAX_PAGE_SIZE
    key: str = PAGE_KEY
    after: str | None = None
    done: bool = False
    pages: int = 0
    rows: int = 0
    _previous: frozenset[str] = field(default_factory=frozenset, repr=False)

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {self.page_size}")

    def params(self) -> dict[str, Any]:
        """The query of the next page."""
        terms = [f"({self.filter})"] if self.filter and self.filter.strip() else []
        if self.after is not None:
            terms.append(f"{self.key} gt {odata_string(self.after)}")
        return {"$top": self.page_size, "$orderby": f"{self.key} asc", "$filter": " and ".join(terms) or None}

    def advance(self, keys: Sequence[str | None], applied_top: int | None = None) -> None:
        """Move past a page whose rows have these keys; `applied_top` is the page size the server says it used."""
        self.pages += 1
        if not keys:
            self.done = True
            return
        if any(not isinstance(key, str) or not key for key in keys):
            raise PagingError(f"a row of page {self.pages} has no {self.key}: the list cannot be paged by it")
        page = frozenset(k for k in keys if k)
        if len(page) < len(keys) or page & self._previous:
            raise PagingError(
                f"page {self.pages} repeats rows: the server does not order or filter by {self.key} as asked"
            )
        self.rows += len(keys)
        self.after, self._previous = keys[-1], page
        if applied_top == self.page_size and len(keys) < self.page_size:
            self.done = True  # the server applied our size and had fewer rows: nothing follows
