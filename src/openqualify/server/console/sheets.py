"""Every table of the console as a CSV download: the same fragment, asked with `?csv=<sheet>`.

A view offers its tables as `Sheet`s (their rows made only when downloaded) and each chart's data table by the
figure's `name`. Cells are written for a spreadsheet that must not run them: text cells follow the CLI's rule against
CSV injection (`openqualify.csvsafe`: a leading `'` before `=`, `+`, `-`, `@`, a tab or a CR), numbers stay numbers,
moments are ISO 8601 UTC. UTF-8 with a byte-order mark, so that Excel reads names such as "Māori" as written
(pandas, Python's `utf-8-sig` and other spreadsheets skip the mark).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from openqualify.csvsafe import neutralise
from openqualify.server.console.charts import Figure
from openqualify.server.kit.timefmt import to_utc

BOM = "\ufeff"
MAX_NAME = 80  # characters of a file name before ".csv"


@dataclass(frozen=True, slots=True)
class Sheet:
    """A table as data: the header row and, when asked, the rows (values, not their display)."""

    name: str  # in the URL (`?csv=learners`) and the file name
    headers: Sequence[str]
    rows: Callable[[], Iterable[Sequence[object]]]


def cell(value: object) -> object:
    """A value as a CSV cell: numbers as numbers, booleans as true/false, moments in ISO 8601 UTC, empty for
    none, and any text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return to_utc(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def text(sheet: Sheet) -> str:
    """The CSV text of a sheet (RFC 4180: CRLF line ends, quotes doubled), after the byte-order mark."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell(h) for h in sheet.headers])
    writer.writerows([cell(v) for v in row] for row in sheet.rows())
    return buffer.getvalue()


def file_name(*parts: str) -> str:
    """`Project Management - Term 4 2026`, `learners` -> `project-management-term-4-2026-learners.csv`."""
    joined = " ".join(p for p in parts if p)
    ascii_text = unicodedata.normalize("NFKD", joined).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:MAX_NAME].strip("-")
    return f"{slug or 'table'}.csv"


def content_disposition(name: str) -> str:
    return f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"


# --- finding a view's sheets ----------------------------------------------------------------------------------------


def figure_sheet(figure: Figure, name: str) -> Sheet:
    table = figure.table
    return Sheet(name, list(table.headers), lambda: table.values or table.rows)


def find(view: object, name: str) -> Sheet | None:
    """The view's table called `name`: one of its `sheets()`, or the data of a figure it holds with that name."""
    offered = getattr(view, "sheets", None)
    if callable(offered):
        for sheet in offered():
            if isinstance(sheet, Sheet) and sheet.name == name:
                return sheet
    for figure in _figures(view, depth=0):
        if figure.name == name:
            return figure_sheet(figure, name)
    return None


def _figures(value: Any, depth: int) -> Iterator[Figure]:
    """The figures held by a view: its fields, lists and nested dataclasses, a few levels deep."""
    if depth > 4:
        return
    if isinstance(value, Figure):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _figures(getattr(value, f.name), depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _figures(item, depth + 1)
