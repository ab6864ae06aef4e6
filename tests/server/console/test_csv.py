"""Every table of the console as a CSV download, safe to open in a spreadsheet (OWASP's rule against CSV
injection, issue 19.13), with the numbers as numbers and the times in ISO 8601."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from openqualify.csvsafe import neutralise
from openqualify.server.console import sheets
from tests.fixtures.api import Api

FORMULA = '=HYPERLINK("http://x","y")'


def _auth(api: Api) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token}"}


def _rows(text: str) -> list[list[str]]:
    assert text.startswith(sheets.BOM)
    return list(csv.reader(io.StringIO(text[1:], newline="")))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_that_a_spreadsheet_would_evaluate_is_quoted(start: str) -> None:
    assert sheets.cell(f"{start}1+1") == f"'{start}1+1"


def test_cells_keep_their_type() -> None:
    assert sheets.cell("Ana") == "Ana" and sheets.cell("a=b") == "a=b" and sheets.cell("") == ""
    assert sheets.cell(-3) == -3 and sheets.cell(12.5) == 12.5  # numbers are data, not formulas
    assert sheets.cell(None) == "" and sheets.cell(True) == "true"
    assert sheets.cell(datetime(2026, 3, 10, 14, 37, tzinfo=UTC)) == "2026-03-10T14:37:00Z"
    assert sheets.cell(date(1, 1, 1)) == "0001-01-01"


def test_the_csv_text_is_rfc_4180_with_a_byte_order_mark() -> None:
    sheet = sheets.Sheet("t", ["Name", "Note"], lambda: [["Māori, \"quoted\"", "line\nbreak"], [FORMULA, 3]])
    text = sheets.text(sheet)
    assert text.startswith("\ufeffName,Note\r\n")
    assert _rows(text) == [["Name", "Note"], ['Māori, "quoted"', "line\nbreak"], ["'" + FORMULA, "3"]]


def test_file_names_are_safe() -> None:
    assert sheets.file_name("Te Reo Māori - Term 4 2026", "learners") == "te-reo-maori-term-4-2026-learners.csv"
    assert sheets.file_name("../../etc/passwd", "") == "etc-passwd.csv"
    assert sheets.file_name("", "") == "table.csv"
    assert len(sheets.file_name("x" * 500, "learners")) <= sheets.MAX_NAME + 4
    assert sheets.content_disposition("a b.csv") == "attachment; filename=\"a b.csv\"; filename*=UTF-8''a%20b.csv"


def test_a_learner_named_like_a_formula_stays_text_in_every_download(http: TestClient, api: Api) -> None:
    course = api.sandbox.post("/courses", json={"name": FORMULA}).json()
    offering = api.post("/offerings", json={"rootContentId": course["rootContentId"], "name": FORMULA,
                                            "start": "2020-01-01T00:00:00Z"}).json()
    email = "formula@example.com"
    assert api.post("/users", json={"email": email, "firstName": FORMULA, "lastName": "+1"}).status_code == 201
    assert api.post(f"/offerings/{offering['id']}/users", json=[{"email": email}]).status_code in (200, 201)
    downloads = {
        f"/console/f/offerings/{offering['id']}/learners?csv=learners": ("Name", f"'{FORMULA} +1"),
        f"/console/f/offerings/{offering['id']}?csv=learners": ("Name", f"'{FORMULA} +1"),
        "/console/f/overview?csv=offerings-current": ("Offering", "'" + FORMULA),
        "/console/f/overview?csv=enrolments-list": ("Name", f"'{FORMULA} +1"),
        f"/console/f/learners/{email}?csv=offerings": ("Offering", "'" + FORMULA),
        f"/console/f/search?q={email}&csv=search-learners": ("Name", f"'{FORMULA} +1"),
    }
    for path, (column, expected) in downloads.items():
        response = http.get(path, headers=_auth(api))
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert re.fullmatch(r'attachment; filename="[a-z0-9-]+\.csv"; filename\*=.*', response.headers[
            "content-disposition"])
        assert response.headers["x-content-type-options"] == "nosniff"
        header, *rows = _rows(response.text)
        cells = [row[header.index(column)] for row in rows]
        assert expected in cells, (path, cells)
        assert not [c for row in rows for c in row if neutralise(c) != c], path  # every cell already neutral


def test_every_table_of_every_page_downloads(http: TestClient, demo: Api) -> None:
    """Each CSV button on a page names a sheet its fragment serves: the rendered HTML is the list to check."""
    offering_id = demo.get("/offerings/current").json()[0]["id"]
    email = demo.get(f"/offerings/{offering_id}/analytics/learners-progress").json()[0]["email"]
    fragments = [
        "/console/f/overview", "/console/f/overview?period=12w", f"/console/f/offerings/{offering_id}",
        f"/console/f/offerings/{offering_id}/learners?sort=completion&dir=desc",
        *(f"/console/f/offerings/{offering_id}/{s}" for s in ("assessments", "pulses", "channels", "reactions",
                                                              "badges")),
        f"/console/f/learners/{email}", f"/console/f/search?q={email.split('@')[0]}", "/console/f/sandbox",
        "/console/f/sandbox/faults", "/console/f/event-hub", "/console/f/event-hub/events",
        "/console/f/event-hub/deliveries",
    ]
    downloaded = 0
    for fragment in fragments:
        page = http.get(fragment, headers=_auth(demo))
        assert page.status_code == 200, fragment
        buttons = re.findall(r'data-csv="([^"]+)"', page.text)
        tables = page.text.count("<table")
        assert len(buttons) >= tables - page.text.count('class="data headers"'), fragment  # a button per table
        for url in buttons:
            response = http.get(url.replace("&amp;", "&"), headers=_auth(demo))
            assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv"), url
            header, *rows = _rows(response.text)
            assert header and all(len(row) == len(header) for row in rows), url
            downloaded += 1
    assert downloaded > 25


def test_the_learners_csv_holds_every_matching_learner_not_one_page(http: TestClient, demo: Api) -> None:
    summary = {o["id"]: o["learnersCount"] for o in demo.get("/offerings/summary").json()}
    offering_id = max(summary, key=lambda i: summary[i])
    learners = demo.get(f"/offerings/{offering_id}/analytics/learners-progress").json()
    assert len(learners) > 25
    response = http.get(f"/console/f/offerings/{offering_id}/learners",
                        params={"size": "25", "sort": "completion", "dir": "desc", "csv": "learners"},
                        headers=_auth(demo))
    header, *rows = _rows(response.text)
    assert header == ["Name", "E-mail", "Completion (%)", "Last login"]
    assert sorted(r[1] for r in rows) == sorted(r["email"] for r in learners)
    completions = [int(r[2]) for r in rows]
    assert completions == sorted(completions, reverse=True)
    filtered = http.get(f"/console/f/offerings/{offering_id}/learners", params={"band": "10", "csv": "learners"},
                        headers=_auth(demo))
    _, *full = _rows(filtered.text)
    assert [int(r[2]) for r in full] == [100] * sum(1 for r in learners if r["completion"] == "100")


def test_a_download_is_scoped_and_named(http: TestClient, demo: Api, other_api: Api) -> None:
    offering_id = demo.get("/offerings/current").json()[0]["id"]
    unknown = http.get(f"/console/f/offerings/{offering_id}?csv=nothing", headers=_auth(demo))
    assert unknown.status_code == 404 and unknown.json()["name"] == "ObjectNotFoundError"
    other = http.get(f"/console/f/offerings/{offering_id}?csv=learners", headers=_auth(other_api))
    assert other.status_code == 404 and other.json() == other_api.get(f"/offerings/{offering_id}").json()
    assert http.get(f"/console/f/offerings/{offering_id}?csv=learners").status_code == 401
