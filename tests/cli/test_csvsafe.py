"""`openqualify.csvsafe`: OWASP's CSV-injection rule, with numbers and iQualify ids kept whole."""

from __future__ import annotations

import pytest

from openqualify.csvsafe import neutral_row, neutralise


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("  =1+1", "'  =1+1"),  # spreadsheets skip leading spaces
        ("\u00a0=1+1", "'\u00a0=1+1"),
        ("Ann\n=1+1", "Ann\n'=1+1"),  # every line of a multi-line cell
        ("-NjnTPv-5HTwQ5j2Wqek", "-NjnTPv-5HTwQ5j2Wqek"),  # an iQualify id: 20 characters, kept
        ("-NjnTPv-5HTwQ5j2Wqe", "'-NjnTPv-5HTwQ5j2Wqe"),  # 19: not an id
        ("-5", "-5"),
        ("+2.5", "+2.5"),
        ("-.5", "-.5"),
        ("+64 21 555 0101", "'+64 21 555 0101"),  # not a number
        ("Māori = te reo", "Māori = te reo"),
        ("a@b.example", "a@b.example"),
        ("", ""),
    ],
)
def test_neutralise(value: str, cell: str) -> None:
    assert neutralise(value) == cell


def test_neutral_row() -> None:
    assert neutral_row(["=1", "x", "-1"]) == ["'=1", "x", "-1"]
