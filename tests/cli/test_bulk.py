"""CSV enrolment in batches and CSV exports of progress and marks."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.client.conftest import body_of

from .conftest import Cli

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
    cli.recorder.reply(400, {"name": "ObjectExistsError", "details": "already a member"})
    path = write(tmp_path, "email\na@x.io\nb@x.io\n")
    result = cli("offerings", "enrol", "o1", "--csv", path, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"added": [], "existing": ["a@x.io", "b@x.io"], "failed": []}
    assert [len(body_of(r)) for r in cli.recorder.requests] == [2, 1, 1]  # the refused batch, then item by item


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


def test_export_progress_to_csv(cli: Cli, tmp_path: Path) -> None:
    cli.recorder.reply(200, [{"email": "a@x.io", "firstName": "Ann", "completion": "50",
                              "lastLoggedInAt": "2024-02-02T10:00:00Z"}])  # fmt: skip
    out = tmp_path / "progress.csv"
    result = cli("progress", "--offering", "o1", "--csv", str(out))
    assert (result.exit_code, result.stdout) == (0, f"Wrote 1 row to {out}\n")
    assert cli.recorder.last.url.path == "/v1/offerings/o1/analytics/learners-progress"
    assert out.read_bytes().decode() == (
        "email,firstName,lastName,personId,completion,lastLoggedInAt\r\n"
        "a@x.io,Ann,,,50,2024-02-02T10:00:00.000Z\r\n"
    )


def test_export_marks_to_csv(cli: Cli, tmp_path: Path) -> None:
    cli.recorder.reply(200, [{"quizId": "q1", "quizTitle": "Q", "learnerEmail": "a@x.io", "mark": "90", "attempts": 2}])
    out = tmp_path / "quizzes.csv"
    result = cli("marks", "quizzes", "o1", "--csv", str(out), "--json")
    assert json.loads(result.stdout) == {"file": str(out), "rows": 1}
    assert out.read_text().splitlines() == [
        "quizId,quizTitle,learnerEmail,learnerFullname,learnerPersonId,mark,attempts,lastAttemptAt",
        "q1,Q,a@x.io,,,90,2,",
    ]
    cli.recorder.reply(200, [])
    assert cli("marks", "assignments", "o1", "--all").exit_code == 0
    assert cli.recorder.last.url.path == "/v1/offerings/o1/analytics/submissions/assignments"


def test_progress_variants(cli: Cli) -> None:
    cli.recorder.reply(200, {"email": "a@x.io", "offerings": [{"id": "o1", "completion": "100"}]})
    expected = "offering   completion\n─────────────────────\no1         100\n1 row\n"
    assert cli("progress", "--user", "a@x.io").stdout == expected
    cli.recorder.reply(200, {"id": "u1", "completion": "40"})
    assert cli("progress", "--user", "a@x.io", "--offering", "o1").stdout == "id           u1\ncompletion   40\n"
    assert cli.recorder.last.url.raw_path == b"/v1/users/a%40x.io/offerings/o1/progress"
    learner = {"email": "a@x.io", "offerings": [{"id": "o1", "completion": "5"}]}
    cli.recorder.reply(200, {"data": {"progress": [learner]}, "top": 10})
    result = cli("progress", "--top", "10", "--json")
    assert json.loads(result.stdout)["top"] == 10
    assert list(cli.recorder.last.url.params.multi_items()) == [("$top", "10")]
    assert cli("progress").stdout.splitlines()[2] == "a@x.io                                     o1=5"
