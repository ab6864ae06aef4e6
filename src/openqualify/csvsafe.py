"""CSV cells a spreadsheet will not run as formulas: OWASP's CSV-injection rule, in one place.

Names and titles come from an API anyone with a token can write to, so a learner named `=HYPERLINK("http://x","y")`
would be a live formula in whoever opens the export. A cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return (also after leading spaces, which spreadsheets skip) gets a single quote in front, which makes
a spreadsheet read the cell as text; each line of a multi-line cell is treated so, since some spreadsheets read
every line of a quoted cell as a cell of its own. Two kinds of value are left whole, because they cannot call
anything and programs reading the file need them exact: plain numbers (`-3`, `+2.5`) and iQualify ids, which
are 20 characters of `A-Z a-z 0-9 - _` and often start with `-` (`-NjnTPv-5HTwQ5j2Wqek`).

Used by every CSV file the CLI writes and every CSV download of the console; it needs nothing but the standard
library, so the SDK-only install and the server share it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a cell may not start with (OWASP, CSV Injection)."""

_LEADING_SPACE = " \u00a0"  # spreadsheets skip these before reading a formula
_INERT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)|-[0-9A-Za-z_-]{19}")
"""A number, or an iQualify push id: a formula made of these characters only can call nothing."""


def _neutral_line(line: str) -> str:
    start = line.lstrip(_LEADING_SPACE)
    if start.startswith(FORMULA_STARTS) and not _INERT.fullmatch(line):
        return "'" + line
    return line


def neutralise(value: str) -> str:
    """`value` as a cell that opens as text: a quote in front of any line that would start a formula."""
    if "\n" not in value:
        return _neutral_line(value)
    return "\n".join(_neutral_line(line) for line in value.split("\n"))


def neutral_row(cells: Iterable[str]) -> list[str]:
    """A CSV row with every cell neutralised."""
    return [neutralise(cell) for cell in cells]
