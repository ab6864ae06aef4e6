"""Tables for people and for pipes: a Rich table on a terminal; tab-separated lines (header first, full values,
never wrapped) when stdout is a file or a pipe, so `| cut -f1` and `| grep` see whole ids.
`OPENQUALIFY_TABLES=rich` or `=tsv` chooses one whatever stdout is."""

from __future__ import annotations

import os
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table


def tsv_cell(value: str) -> str:
    return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def for_people(console: Console) -> bool:
    """Tables drawn for a person (a terminal), or lines for a program (a pipe or a file)?"""
    choice = os.environ.get("OPENQUALIFY_TABLES", "auto").lower()
    return choice == "rich" or (choice != "tsv" and console.is_terminal)


def render_table(console: Console, headers: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> None:
    """`headers` None: a field/value listing without a header row."""
    if not for_people(console):
        lines = ([] if headers is None else ["\t".join(headers)]) + ["\t".join(map(tsv_cell, row)) for row in rows]
        console.file.write("".join(line + "\n" for line in lines))  # as they are: Rich would expand the tabs
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, show_header=headers is not None)
    for index, header in enumerate(headers or ["field", "value"]):
        table.add_column(header, overflow="fold", style="bold" if headers is None and index == 0 else None)
    for row in rows:
        table.add_row(*row)
    with console.capture() as captured:  # without the padding Rich leaves at the end of each line
        console.print(table)
    for line in captured.get().splitlines():
        console.print(line.rstrip(), markup=False, highlight=False, soft_wrap=True)
