"""CSV enrolment in batches, and exports of progress and marks: every page, tidy rows, warnings, safe cells."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.fixtures.cli import Cli
from tests.fixtures.sdk import body_of

CSV = (
    "email,firstName,lastName,personId,role\n"
    "a@x.io,Ann,Lee,1,learner\n"
    "b@x.io,Bo,Ng,2,facilitator\n"
    "c@x.io,Cy,Oh,3,coach\n"
    ",Di,Po,4,\n"
    "e@x.io,Ed,Qi,5,boss\n"
)


def write(tmp_path: Path, text: str = CSV) -> str:
    path = tmp_path / "learners.csv"
    path.write_text("\ufeff" + text, encoding="utf-8")  # with the BOM spreadsheets add
    return str(path)


def test_enrol_in_batches_with_summary(cli: Cli, tmp_path: Path) -> None:
    exists = {"name": "ObjectExistsError", "details": "member", "email": "b@x.io"}
    cli.recorder.reply(207, [{"email": "a@x.io"}, exists])
    cli.recorder.reply(207, [{"name": "UserSuspendedError", "details": "The user (c@x.io) has been suspended."}])
    result = cli("offerings", "enrol", "o1", "--csv", write(tmp_path), "--batch-size", "2", "--no-invite")
    assert result.exit_code == 5  # some rows failed
    assert result.stdout == (
        "Added: 1  Existing: 1  Failed: 3\n"
        "Row   Email    Error                Details\n"
        "─────────────────────────────────────────────────────────────────────────────────────────────────\n"
        "4     c@x.io   UserSuspendedError   The user (c@x.io) has been suspended.\n"
        "5              InvalidRow           missing email\n"
        "6     e@x.io   InvalidRow           unknown role 'boss' (use learner, facilitator, marker, coach)\n"
    )
    first, second = (body_of(r) for r in cli.recorder.requests)
    assert first == [
        {"email": "a@x.io", "firstName": "Ann", "lastName": "Lee", "personId": "1", "sendInvite": False},
        {"email": "b@x.io", "firstName": "Bo", "lastName": "Ng", "personId": "2", "isFacilitator": True,
         "sendInvite": False},
    ]  # fmt: skip
    assert second == [{"email": "c@x.io", "firstName": "Cy", "lastName": "Oh", "personId": "3", "isMarker": True,
                       "sendInvite": False}]  # fmt: skip


def test_enrol_all_existing_is_success_and_json(cli: Cli, tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":  # the members, read once the batch was refused
            return httpx.Response(200, json=[{"email": "A@x.io"}, {"email": "b@x.io"}])
        return httpx.Response(400, json={"name": "ObjectExistsError", "details": "already a member"})

    cli.recorder.responses.append(answer)
    path = write(tmp_path, "email\na@x.io\nb@x.io\n")
    result = cli("offerings", "enrol", "o1", "--csv", path, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"added": [], "existing": ["a@x.io", "b@x.io"], "failed": []}
    assert [r.method for r in cli.recorder.requests] == ["POST", "GET"]  # nobody sent twice


def test_enrol_stops_on_request_errors(cli: Cli, tmp_path: Path) -> None:
    cli.recorder.reply(201, [{"email": "a@x.io"}]).fail(httpx.ConnectError("refused"))
    result = cli("offerings", "enrol", "o1", "--csv", write(tmp_path, "email\na@x.io\nb@x.io\n"), "--batch-size", "1")
    assert result.exit_code == 4
    assert result.stdout == "Added: 1  Existing: 0  Failed: 0\n"
    assert result.stderr == "Error: ConnectionError: POST /offerings/o1/users failed: refused\n"


def test_enrol_rejects_a_csv_without_email(cli: Cli, tmp_path: Path) -> None:
    result = cli("offerings", "enrol", "o1", "--csv", write(tmp_path, "mail,name\nx,y\n"))
    assert result.exit_code == 1
    assert "has no 'email' column" in result.stderr
    assert cli.recorder.requests == []


def route(cli: Cli, answers: dict[str, Any]) -> None:
    """Answer each request by its path (a callable gets the request)."""

    def answer(request: httpx.Request) -> httpx.Response:
        found = answers[request.url.path.removeprefix("/v1")]
        return httpx.Response(200, json=found(request) if callable(found) else found)

    cli.recorder.responses.append(answer)


OFFERINGS = [{"id": "-NjnTPv-5HTwQ5j2Wqek", "name": "Safety 101"}, {"id": "o2", "name": "Māori for work"}]


def test_export_progress_of_an_offering_to_csv(cli: Cli, tmp_path: Path) -> None:
    route(cli, {
        "/offerings/o1/analytics/learners-progress": [
            {"email": "a@x.io", "firstName": "Ann", "completion": "50", "lastLoggedInAt": "2024-02-02T10:00:00Z"}],
        "/offerings/o1": {"id": "o1", "name": "Safety 101"},
    })  # fmt: skip
    out = tmp_path / "progress.csv"
    result = cli("progress", "--offering", "o1", "--csv", str(out))
    assert (result.exit_code, result.stdout) == (0, f"Wrote 1 row to {out}\n")
    assert out.read_bytes().decode() == (
        "email,firstName,lastName,personId,offeringId,offeringName,completion,lastLoggedInAt\r\n"
        "a@x.io,Ann,,,o1,Safety 101,50,2024-02-02T10:00:00.000Z\r\n"
    )


def test_export_marks_to_csv_with_the_offering(cli: Cli, tmp_path: Path) -> None:
    route(cli, {
        "/offerings/o1/analytics/marks/quizzes": [
            {"quizId": "q1", "quizTitle": "Q", "learnerEmail": "a@x.io", "mark": "90", "attempts": 2}],
        "/offerings/o1": {"id": "o1", "name": "Safety 101"},
        "/offerings/o1/analytics/submissions/assignments": [],
    })  # fmt: skip
    out = tmp_path / "quizzes.csv"
    result = cli("marks", "quizzes", "o1", "--csv", str(out), "--json")
    assert json.loads(result.stdout) == {"file": str(out), "rows": 1}
    assert out.read_text().splitlines() == [
        "offeringId,offeringName,quizId,quizTitle,learnerEmail,learnerFullname,learnerPersonId,mark,attempts,"
        "lastAttemptAt",
        "o1,Safety 101,q1,Q,a@x.io,,,90,2,",
    ]
    assert cli("marks", "assignments", "o1", "--all").exit_code == 0
    assert cli.recorder.last.url.path == "/v1/offerings/o1/analytics/submissions/assignments"
    assert cli.piped("marks", "quizzes", "o1").stdout.splitlines()[0].split("\t")[:2] == ["quizId", "quizTitle"]


def learners(count: int) -> list[dict[str, Any]]:
    return [
        {"id": f"-u{i:04d}", "email": f"l{i:04d}@x.io", "firstName": "L",
         "offerings": [{"id": OFFERINGS[i % 2]["id"], "completion": str(i % 101)}, {"id": "o2", "completion": "0"}]}
        for i in range(count)
    ]  # fmt: skip


def keyset(rows: list[dict[str, Any]], names: bool = True) -> Callable[[httpx.Request], Any]:
    """`/users/all/progress` paged by id as the server does (`$top`, `id gt '...'`)."""

    def answer(request: httpx.Request) -> Any:
        params = request.url.params
        top = int(params["$top"])
        after = params.get("$filter", "").rpartition("id gt '")[2].rstrip("'")
        page = [row for row in rows if row["id"] > after][:top]
        data: dict[str, Any] = {"progress": page}
        if names:
            data["offerings"] = {"o2": {"name": "Māori for work"}}
        return {"data": data, "top": top}

    return answer


def test_export_every_learner_as_tidy_rows(cli: Cli, tmp_path: Path) -> None:
    """2,500 learners (three pages): one row per learner and offering, with the offering's name."""
    route(cli, {"/users/all/progress": keyset(learners(2500)), "/offerings": OFFERINGS})
    out = tmp_path / "all.csv"
    result = cli("progress", "--csv", str(out))
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"Wrote 5000 rows to {out}\n", "")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[:4] == [
        "email,firstName,lastName,personId,offeringId,offeringName,completion",
        "l0000@x.io,L,,,-NjnTPv-5HTwQ5j2Wqek,Safety 101,0",  # an id starting with '-' is kept whole
        "l0000@x.io,L,,,o2,Māori for work,0",
        "l0001@x.io,L,,,o2,Māori for work,1",
    ]
    assert len(lines) == 5001
    pages = [r for r in cli.recorder.requests if r.url.path.endswith("/progress")]
    assert [dict(r.url.params).get("$filter") for r in pages] == [None, "id gt '-u0999'", "id gt '-u1999'"]
    assert sum(r.url.path == "/v1/offerings" for r in cli.recorder.requests) == 1  # names of the others


def test_export_warns_when_top_cut_the_output(cli: Cli, tmp_path: Path) -> None:
    route(cli, {"/users/all/progress": keyset(learners(60)), "/offerings": OFFERINGS})
    result = cli("progress", "--top", "10", "--json")
    assert [learner["email"] for learner in json.loads(result.stdout)] == [f"l{i:04d}@x.io" for i in range(10)]
    assert dict(cli.recorder.last.url.params) == {"$top": "11"}
    assert result.stderr == (
        "Warning: --top 10 cut the output at 10 learners; more match (without --top and --orderby, every one "
        "is listed)\n"
    )
    ordered = cli("progress", "--orderby", "lastName desc", "--csv", str(tmp_path / "page.csv"))
    page = [r for r in cli.recorder.requests if r.url.path.endswith("/progress")][-1]
    assert dict(page.url.params) == {"$top": "51", "$orderby": "lastName desc"}
    assert ordered.stderr.startswith("Warning: the API's page of 50 cut the output at 50 learners;")
    whole = cli("progress", "--top", "60")
    assert whole.exit_code == 0 and whole.stderr == ""  # nothing left out
    assert cli("progress", "--top", "1001").exit_code == 1  # one request returns 1000 at most


def test_a_full_page_of_1000_may_hide_more(cli: Cli) -> None:
    route(cli, {"/users/all/progress": keyset(learners(1000))})
    result = cli("progress", "--top", "1000", "--json")
    assert len(json.loads(result.stdout)) == 1000
    assert "is the most one request returns; more may match" in result.stderr


def test_progress_of_one_learner_names_the_offerings(cli: Cli, tmp_path: Path) -> None:
    route(cli, {
        "/users/a@x.io/progress": {"email": "a@x.io", "firstName": "Ann", "offerings": [
            {"id": "-NjnTPv-5HTwQ5j2Wqek", "completion": "100"}, {"id": "gone", "completion": "5"}]},
        "/offerings": OFFERINGS,
        "/users/a@x.io/offerings/o1/progress": {"id": "u1", "completion": "40"},
    })  # fmt: skip
    assert cli("progress", "--user", "a@x.io").stdout == (
        "offeringId             offeringName   completion\n"
        "────────────────────────────────────────────────\n"
        "-NjnTPv-5HTwQ5j2Wqek   Safety 101     100\n"
        "gone                                  5\n"
        "2 rows\n"
    )
    out = tmp_path / "ann.csv"
    cli("progress", "--user", "a@x.io", "--csv", str(out))
    assert out.read_text().splitlines()[1] == "a@x.io,Ann,,,-NjnTPv-5HTwQ5j2Wqek,Safety 101,100"
    assert cli("progress", "--user", "a@x.io", "--offering", "o1").stdout == "id           u1\ncompletion   40\n"
    assert cli.recorder.last.url.raw_path == b"/v1/users/a%40x.io/offerings/o1/progress"


def test_offerings_summary_lists_every_offering_in_start_order(cli: Cli) -> None:
    years = [(i * 7) % 30 + 2010 for i in range(1500)]  # ids and starts in different orders
    rows = [{"id": f"-o{i:04d}", "name": f"O{i}", "start": f"{year}-01-01T00:00:00Z"} for i, year in enumerate(years)]

    def pages(request: httpx.Request) -> Any:
        after = request.url.params.get("$filter", "").rpartition("id gt '")[2].rstrip("'")
        return [row for row in rows if row["id"] > after][: int(request.url.params["$top"])]

    route(cli, {"/offerings/summary": pages})
    result = cli("offerings", "summary", "--json")
    listed = json.loads(result.stdout)
    assert len(listed) == 1500 and result.stderr == ""
    assert [row["start"] for row in listed] == sorted(row["start"] for row in listed)
    assert {row["id"] for row in listed} == {row["id"] for row in rows}
    assert len(cli.recorder.requests) == 3  # 1000, 500, then an empty page ends it (the size is not echoed)


FORMULA = '=HYPERLINK("http://x","y")'


def test_csv_cells_that_would_be_formulas_are_neutralised(cli: Cli, tmp_path: Path) -> None:
    """OWASP's CSV-injection rule (issue 19.13): a learner named =HYPERLINK(...) opens as text."""
    hostile = {"id": "-u1", "email": "@evil@x.io", "firstName": FORMULA, "lastName": "+cmd|' /C calc'!A0",
               "personId": "-2+3", "offerings": [{"id": "-NjnTPv-5HTwQ5j2Wqek", "completion": "-5"}]}  # fmt: skip
    route(cli, {"/users/all/progress": {"data": {"progress": [hostile]}, "top": 1000}, "/offerings": OFFERINGS})
    out = tmp_path / "all.csv"
    assert cli("progress", "--csv", str(out)).exit_code == 0
    row = next(csv.DictReader(out.open(encoding="utf-8")))
    assert row == {
        "email": "'@evil@x.io", "firstName": "'" + FORMULA, "lastName": "'+cmd|' /C calc'!A0", "personId": "'-2+3",
        "offeringId": "-NjnTPv-5HTwQ5j2Wqek", "offeringName": "Safety 101", "completion": "-5",
    }  # fmt: skip
