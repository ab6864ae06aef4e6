"""The CLI against the live demo server: a 1,000-row CSV enrolment, its re-run, and JSON output that parses."""

from __future__ import annotations

import csv
import itertools
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from openqualify.cli.api import set_client_factory
from openqualify.cli.main import app
from openqualify.client import Client, ObjectNotFoundError, OfferingUser, RetryPolicy
from tests.fixtures.live import LiveServer

pytestmark = pytest.mark.e2e
ROWS = 1000
ROLES = {0: "facilitator", 1: "coach"}  # row i gets ROLES.get(i % 100, "learner")
Cli = Callable[..., Result]


@pytest.fixture
def cli(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.delenv("OPENQUALIFY_BASE_URL", raising=False)
    monkeypatch.delenv("OPENQUALIFY_TOKEN", raising=False)
    set_client_factory(None)  # the real client, over HTTP
    runner = CliRunner()
    connection = ["--base-url", live_server.base_url + "/v1", "--token", live_server.token]

    def run(*args: str) -> Result:
        return runner.invoke(app, [*args, *connection], env={"COLUMNS": "120"})

    yield run


@pytest.fixture
def demo(live_server: LiveServer) -> Iterator[Client]:
    with Client(base_url=live_server.base_url + "/v1", token=live_server.token, retry=RetryPolicy(max_retries=0)) as c:
        yield c


def write_csv(path: Path, batch: str) -> list[dict[str, str]]:
    rows = [
        {
            "email": f"enrol.{batch}.{i:04d}@csv.example",
            "firstName": f"First{i:04d}",
            "lastName": f"Last{i:04d}",
            "personId": f"CSV-{batch}-{i:04d}",
            "role": ROLES.get(i % 100, "learner"),
        }
        for i in range(ROWS)
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["email", "firstName", "lastName", "personId", "role"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


def test_enrol_1000_rows_from_csv_then_rerun(cli: Cli, demo: Client, tmp_path: Path) -> None:
    offering = demo.offerings.current()[0]
    assert offering.id
    before = {u.email for u in demo.offerings.users(offering.id)}
    path = tmp_path / "intake.csv"
    rows = write_csv(path, uuid.uuid4().hex[:8])

    first = cli("offerings", "enrol", offering.id, "--csv", str(path), "--no-invite")
    assert first.exit_code == 0, first.output + first.stderr
    assert first.stdout == f"Added: {ROWS}  Existing: 0  Failed: 0\n"

    members = {u.email: u for u in demo.offerings.users(offering.id)}
    assert set(members) - before == {row["email"] for row in rows}
    tenth = members[rows[10]["email"]]
    assert (tenth.first_name, tenth.last_name, tenth.person_id) == ("First0010", "Last0010", rows[10]["personId"])
    assert (tenth.is_facilitator, tenth.is_marker) == (False, False)
    assert members[rows[100]["email"]].is_facilitator is True
    assert members[rows[201]["email"]].is_marker is True
    learners = {u.email for u in demo.offerings.users(offering.id, facilitators=False, markers=False)}
    assert len({row["email"] for row in rows} & learners) == ROWS - 20

    again = cli("offerings", "enrol", offering.id, "--csv", str(path), "--json")
    assert again.exit_code == 0, again.output + again.stderr
    summary = json.loads(again.stdout)
    assert summary == {"added": [], "existing": [row["email"] for row in rows], "failed": []}
    text = cli("offerings", "enrol", offering.id, "--csv", str(path), "--batch-size", "500")
    assert (text.exit_code, text.stdout) == (0, f"Added: 0  Existing: {ROWS}  Failed: 0\n")


def test_enrol_reports_bad_rows_and_unknown_offerings(cli: Cli, demo: Client, tmp_path: Path) -> None:
    offering = demo.offerings.current()[0].id
    path = tmp_path / "messy.csv"
    tag = uuid.uuid4().hex[:8]
    path.write_text(
        "email,firstName,lastName,personId,role\n"
        f"ok.{tag}@csv.example,Ok,Person,1,learner\n"
        f"noname.{tag}@csv.example,,,2,learner\n"
        "broken-address,Bad,Email,3,learner\n"
        f"boss.{tag}@csv.example,Big,Boss,4,boss\n",
        encoding="utf-8",
    )
    result = cli("offerings", "enrol", offering, "--csv", str(path), "--json")
    assert result.exit_code == 5  # some rows failed
    summary = json.loads(result.stdout)
    assert summary["added"] == [f"ok.{tag}@csv.example"] and summary["existing"] == []
    assert [(f["row"], f["name"]) for f in sorted(summary["failed"], key=lambda f: f["row"])] == [
        (3, "MissingInfoError"), (4, "SchemaValidationError"), (5, "InvalidRow"),
    ]  # fmt: skip

    unknown = cli("offerings", "enrol", "-NoSuchOffering00000", "--csv", str(path))
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("Error: ObjectNotFoundError (404): ")


def test_list_current_offerings_as_json(cli: Cli, demo: Client) -> None:
    result = cli("offerings", "list", "--current", "--json")
    assert result.exit_code == 0, result.stderr
    listed = json.loads(result.stdout)
    assert isinstance(listed, list) and listed
    assert [o["id"] for o in listed] == [o.id for o in demo.offerings.current()]
    assert all({"id", "name", "start"} <= set(o) for o in listed)

    piped = cli("offerings", "list", "--current")  # not a terminal: tab-separated, header first, whole ids
    assert piped.exit_code == 0
    assert [line.split("\t")[0] for line in piped.stdout.splitlines()] == ["ID", *(o["id"] for o in listed)]
    who = cli("whoami", "--json")
    assert who.exit_code == 0 and json.loads(who.stdout)["name"] == "Demo Academy"


# --- every order and mix of row kinds: each row's own outcome, and the exit code ------------------------------

ROW_KINDS = ("new", "existing", "bad_email", "bad_role", "incomplete")
ROW_OUTCOMES = {  # kind -> ("added" | "existing" | error name)
    "new": "added",
    "existing": "existing",
    "bad_email": "SchemaValidationError",
    "bad_role": "InvalidRow",  # refused by the CLI itself, never sent
    "incomplete": "MissingInfoError",
}


def test_issue_18_blocker_an_existing_member_and_a_nameless_newcomer(cli: Cli, demo: Client, tmp_path: Path) -> None:
    """As reported: `Added: 0 Existing: 2 Failed: 0`, exit 0, in one order; both `MissingInfoError` in the other."""
    offering = demo.offerings.current()[0].id
    assert offering
    member = demo.offerings.users(offering, facilitators=False, markers=False)[0].email
    tag = uuid.uuid4().hex[:8]
    for order, newcomer in ((0, f"first.{tag}@csv.example"), (1, f"second.{tag}@csv.example")):
        rows = [f"{member},,,,learner", f"{newcomer},,,,learner"]
        path = tmp_path / f"blocker{order}.csv"
        path.write_text("email,firstName,lastName,personId,role\n" + "\n".join(rows[:: 1 - 2 * order]) + "\n")
        result = cli("offerings", "enrol", offering, "--csv", str(path))
        assert result.exit_code == 5, result.stdout + result.stderr
        newcomer_row = 3 - order
        assert result.stdout.splitlines()[0] == "Added: 0  Existing: 1  Failed: 1"
        assert result.stdout.splitlines()[2:] == [
            f"{newcomer_row}\t{newcomer}\tMissingInfoError\tThe field 'firstName' is missing or invalid."
        ]
        with pytest.raises(ObjectNotFoundError):
            demo.users.get(newcomer)


def test_every_order_and_mix_of_rows(cli: Cli, demo: Client, tmp_path: Path) -> None:
    """Every order of the four kinds of rows the server judges (24 files, with the unknown role, which the CLI
    refuses itself, at each place in turn) and every ordered pair of the five kinds (25 files), one batch each:
    each row's outcome is its own, and the exit code is 5 exactly when a row failed."""
    offering = demo.offerings.current()[1].id
    assert offering
    tag = uuid.uuid4().hex[:8]
    members = [f"member.{tag}.{i}@csv.example" for i in range(5)]
    people = [
        OfferingUser(email=e, first_name="Old", last_name=str(i), send_invite=False) for i, e in enumerate(members)
    ]
    assert demo.offerings.add_users(offering, people).status == 201
    counter = itertools.count()
    added: set[str] = set()
    sent = [k for k in ROW_KINDS if k != "bad_role"]
    orders = [(*o[: i % 5], "bad_role", *o[i % 5 :]) for i, o in enumerate(itertools.permutations(sent))]
    mixes = [*orders, *itertools.product(ROW_KINDS, repeat=2)]
    for number, kinds in enumerate(mixes):
        rows, expected = [], []
        for position, kind in enumerate(kinds):
            fresh = f"row.{tag}.{next(counter):04d}@csv.example"
            email = {"existing": members[position], "bad_email": f"not-an-email-{number}"}.get(kind, fresh)
            names = "New,Person" if kind in ("new", "bad_role") else ","
            role = "boss" if kind == "bad_role" else "learner"
            rows.append(f"{email},{names},,{role}")
            expected.append((position + 2, email, ROW_OUTCOMES[kind]))
            if kind == "new":
                added.add(email)
        path = tmp_path / f"mix{number:03d}.csv"
        path.write_text("email,firstName,lastName,personId,role\n" + "\n".join(rows) + "\n", encoding="utf-8")
        result = cli("offerings", "enrol", offering, "--csv", str(path), "--no-invite", "--json")
        summary = json.loads(result.stdout)
        outcomes = [(line, email, "added") for line, email, _ in expected if email in summary["added"]]
        outcomes += [(line, email, "existing") for line, email, _ in expected if email in summary["existing"]]
        outcomes += [(f["row"], f["email"], f["name"]) for f in summary["failed"]]
        assert sorted(outcomes) == sorted(expected), kinds
        failed = any(outcome not in ("added", "existing") for *_, outcome in expected)
        assert result.exit_code == (5 if failed else 0), (kinds, result.exit_code, result.stderr)
    assert len(mixes) == 49
    listed = {row.email for row in demo.offerings.users(offering)}
    assert added <= listed and set(members) <= listed
    assert not any(e.startswith(f"row.{tag}") and e not in added for e in listed)
