"""Rendering results: Rich tables for people, JSON for scripts, CSV files for spreadsheets (every cell
neutralised against formula injection by `openqualify.csvsafe`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from openqualify.cli._tables import for_people, render_table
from openqualify.client.models import Model, format_datetime
from openqualify.csvsafe import neutral_row

from ._context import Api

Columns = Sequence[tuple[str, str | Callable[[Any], Any]]]
"""(header, dotted attribute path or function) pairs, e.g. `("Root", "metadata.root_content_id")`."""


def to_data(value: Any) -> Any:
    """JSON-ready data: models as the JSON the server sent."""
    if isinstance(value, Model):
        return value.to_json()
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    if isinstance(value, Mapping):
        return {k: to_data(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return format_datetime(value)
    return value


def cell(value: Any) -> str:
    """One table or CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, Model | Mapping):
        return json.dumps(to_data(value), ensure_ascii=False, separators=(",", ":"))
    return str(value)


def pick(item: Any, attribute: str | Callable[[Any], Any]) -> Any:
    if callable(attribute):
        return attribute(item)
    for part in attribute.split("."):
        if item is None:
            return None
        item = item.get(part) if isinstance(item, Mapping) else getattr(item, part, None)
    return item


def show_rows(api: Api, rows: Sequence[Any], columns: Columns) -> None:
    """A list result: JSON array, or a table with the chosen columns."""
    if api.json:
        api.print_json(to_data(rows))
        return
    headers = [header for header, _ in columns]
    render_table(api.out, headers, [[cell(pick(row, attr)) for _, attr in columns] for row in rows])
    if for_people(api.out):  # a pipe gets the rows alone
        api.out.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")


def show_item(api: Api, item: Any) -> None:
    """A single object: JSON, or a two-column field/value table."""
    data = to_data(item)
    if api.json:
        api.print_json(data)
        return
    fields = data.items() if isinstance(data, Mapping) else []
    render_table(api.out, None, [[key, cell(value)] for key, value in fields])


def show_done(api: Api, message: str, data: Any = None) -> None:
    """The outcome of an action without a body."""
    if api.json:
        api.print_json(data if data is not None else {"ok": True})
    else:
        api.out.print(message, markup=False)


def write_csv(path: Path, rows: Iterable[Any], columns: Columns) -> int:
    """Write rows to `path` as they come (UTF-8, header from `columns`, cells neutralised); returns how many."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([header for header, _ in columns])
        for row in rows:
            writer.writerow(neutral_row(cell(pick(row, attr)) for _, attr in columns))
            count += 1
    return count


CsvOption = Annotated[Path | None, typer.Option("--csv", dir_okay=False, help="Write the rows to this CSV file.")]


def emit(
    api: Api, rows: Iterable[Any], columns: Columns, csv_path: Path | None, table_columns: Columns | None = None
) -> None:
    """Rows to a CSV file when `--csv` is given (written as they come), else to the terminal with
    `table_columns` (default: `columns`) (`marks` and `progress`)."""
    if csv_path is None:
        show_rows(api, list(rows), table_columns or columns)
        return
    count = write_csv(csv_path, rows, columns)
    if api.json:
        api.print_json({"file": str(csv_path), "rows": count})
    else:
        api.out.print(f"Wrote {count} row{'s' if count != 1 else ''} to {csv_path}", markup=False)
