"""`openqualify marks ...`: quiz and assignment marks of an offering, as a table or a CSV file (tidy: one row
per learner and assessment, with the offering's id and name, so that files of several offerings stack)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._context import Api, command, group
from ._output import Columns, CsvOption, emit
from .offerings import OfferingId

app = group("marks", "Marks of an offering's quizzes and assignments.")

QUIZ_COLUMNS: Columns = [
    ("quizId", "quiz_id"), ("quizTitle", "quiz_title"), ("learnerEmail", "learner_email"),
    ("learnerFullname", "learner_fullname"), ("learnerPersonId", "learner_person_id"), ("mark", "mark"),
    ("attempts", "attempts"), ("lastAttemptAt", "last_attempt_at"),
]  # fmt: skip
ASSIGNMENT_COLUMNS: Columns = [
    ("assessmentId", "assessment_id"), ("assessmentItemName", "assessment_item_name"),
    ("learnerEmail", "learner_email"), ("learnerFirstName", "learner_first_name"),
    ("learnerLastName", "learner_last_name"), ("learnerPersonId", "learner_person_id"),
    ("submissionDateTime", "submission_date_time"), ("mark", "mark"), ("markedBy", "marked_by"),
    ("markedDateTime", "marked_date_time"),
]  # fmt: skip


def with_offering(api: Api, offering_id: str, columns: Columns, csv_path: Path | None) -> Columns:
    """A CSV's columns start with the offering's id and name (one request for the name)."""
    if csv_path is None:
        return columns
    name = api.client.offerings.get(offering_id).name or ""
    return [("offeringId", lambda _row: offering_id), ("offeringName", lambda _row: name), *columns]


@command(app, "quizzes")
def quizzes(api: Api, offering_id: OfferingId, csv_path: CsvOption = None) -> None:
    """Quiz marks, one row per learner and quiz."""
    rows = api.client.analytics.marks_quizzes(offering_id)
    emit(api, rows, with_offering(api, offering_id, QUIZ_COLUMNS, csv_path), csv_path)


@command(app, "assignments")
def assignments(
    api: Api,
    offering_id: OfferingId,
    csv_path: CsvOption = None,
    unmarked: Annotated[bool, typer.Option("--all", help="Include unmarked submissions.")] = False,
) -> None:
    """Assignment marks, one row per learner and assignment."""
    analytics = api.client.analytics
    rows = analytics.submissions_assignments(offering_id) if unmarked else analytics.marks_assignments(offering_id)
    emit(api, rows, with_offering(api, offering_id, ASSIGNMENT_COLUMNS, csv_path), csv_path)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
