"""`openqualify marks ...`: quiz and assignment marks of an offering, as a table or a CSV file."""

from __future__ import annotations

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
@command(app, "quizzes")
def quizzes(api: Api, offering_id: OfferingId, csv_path: CsvOption = None) -> None:
    """Quiz marks, one row per learner and quiz."""
    emit(api, api.client.analytics.marks_quizzes(offering_id), QUIZ_COLUMNS, csv_path)


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
    emit(api, rows, ASSIGNMENT_COLUMNS, csv_path)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
