"""Exports an analyst can trust, against the live server: every learner of an organisation with more than one
page of them (1,050 learners created through the API, in two offerings), as tidy rows with offering names,
through the SDK's page iterators and the CLI; a warning when a limit cut the output; formulas neutralised."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from openqualify.cli.api import set_client_factory
from openqualify.cli.main import app
from openqualify.client import Client, OfferingUser
from openqualify.client.models import AllProgressResponse
from tests.fixtures.client_live import NOW, Org, Sandbox, async_client

pytestmark = pytest.mark.e2e
DAY = timedelta(days=1)
LEARNERS = 1050  # more than the 1,000 one request can return
HOSTILE = '=HYPERLINK("http://x","y")'

Cli = Callable[..., Result]


@pytest.fixture
def cli(org: Org, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("OPENQUALIFY_BASE_URL", raising=False)
    monkeypatch.delenv("OPENQUALIFY_TOKEN", raising=False)
    set_client_factory(None)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, [*args, "--base-url", org.base_url, "--token", org.token], env={"COLUMNS": "120"})

    return run


@pytest.fixture
def school(client: Client, sandbox: Sandbox) -> tuple[str, str]:
    """Two offerings: everyone in the first, every third learner in the second too, and the hostile learner."""
    root = sandbox.course("Export Course")["rootContentId"]
    first = client.offerings.create(start=NOW - DAY, root_content_id=root, name="Exports A").id or ""
    second = client.offerings.create(start=NOW - DAY, root_content_id=root, name="Exports B, \"quoted\"").id or ""
    people = [
        OfferingUser(email=f"learner{i:04d}@exports.example", first_name="Learner", last_name=f"N{i:04d}",
                     send_invite=False)
        for i in range(LEARNERS - 1)
    ]  # fmt: skip
    hostile = OfferingUser(email="hostile@exports.example", first_name=HOSTILE, last_name="-2+3", send_invite=False)
    people.append(hostile)
    assert client.offerings.add_users(first, people).status == 201
    assert client.offerings.add_users(second, people[::3]).status == 201
    return first, second


def test_sdk_pages_through_every_learner(client: Client, org: Org, school: tuple[str, str]) -> None:
    pages = list(client.progress.all_pages())
    assert [len(page.learners) for page in pages] == [1000, LEARNERS - 1000]
    ids = [learner.id for page in pages for learner in page.learners]
    assert len(set(ids)) == LEARNERS  # each learner once
    assert pages[0].offering_names == {school[0]: "Exports A", school[1]: 'Exports B, "quoted"'}
    small = list(client.progress.all_pages(page_size=300, filter="endswith(email,'@exports.example')"))
    assert [len(page.learners) for page in small] == [300, 300, 300, 150]
    assert [learner.id for page in small for learner in page.learners] == ids
    one = client.progress.all(top=1000)
    assert len(one.learners) == 1000  # what a single request gives: not everyone

    async def run() -> list[AllProgressResponse]:
        async with async_client(org) as sdk:
            return [page async for page in sdk.progress.all_pages(page_size=500)]

    assert [learner.id for page in asyncio.run(run()) for learner in page.learners] == ids
    summary = [o.id for page in client.offerings.summary_pages(page_size=1) for o in page]
    assert sorted(summary) == sorted(school)


def test_cli_exports_every_learner_as_tidy_rows(cli: Cli, school: tuple[str, str], tmp_path: Path) -> None:
    first, second = school
    out = tmp_path / "all.csv"
    result = cli("progress", "--csv", str(out))
    in_second = len(range(0, LEARNERS, 3))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"Wrote {LEARNERS + in_second} rows to {out}\n"
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert len(rows) == LEARNERS + in_second
    assert list(rows[0]) == ["email", "firstName", "lastName", "personId", "offeringId", "offeringName", "completion"]
    names = {(r["offeringId"], r["offeringName"]) for r in rows}
    assert names == {(first, "Exports A"), (second, 'Exports B, "quoted"')}
    assert len({r["email"] for r in rows}) == LEARNERS
    hostile = [r for r in rows if r["email"] == "hostile@exports.example"]
    assert [(r["firstName"], r["lastName"]) for r in hostile] == [("'" + HOSTILE, "'-2+3")]  # opens as text

    cut = cli("progress", "--top", "999", "--json")
    assert len(json.loads(cut.stdout)) == 999
    assert cut.stderr.startswith("Warning: --top 999 cut the output at 999 learners; more match")
    full = cli("progress", "--top", "1000", "--json")
    assert len(json.loads(full.stdout)) == 1000
    assert full.stderr.startswith("Warning: 1000 learners is the most one request returns; more may match")
    ordered = cli("progress", "--orderby", "email desc", "--filter", "startswith(email,'hostile')")
    assert ordered.exit_code == 0 and ordered.stderr == ""  # one page, nothing left out
    assert [line.split("\t")[0] for line in ordered.stdout.splitlines()] == ["email", "hostile@exports.example"]


def test_cli_marks_export_names_the_offering(
    cli: Cli, client: Client, sandbox: Sandbox, school: tuple[str, str], tmp_path: Path
) -> None:
    first, _ = school
    quiz = sandbox.assessment(first, "quiz", "=1+1 quiz")["id"]
    sandbox.quiz_attempt(first, quiz, "hostile@exports.example", "80", (NOW - DAY / 2).isoformat())
    out = tmp_path / "quizzes.csv"
    assert cli("marks", "quizzes", first, "--csv", str(out)).exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [(r["offeringId"], r["offeringName"], r["quizTitle"], r["learnerFullname"], r["mark"]) for r in rows] == [
        (first, "Exports A", "'=1+1 quiz", "'" + HOSTILE + " -2+3", "80")
    ]
