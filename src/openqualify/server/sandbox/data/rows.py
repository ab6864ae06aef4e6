"""What a row of an imported document may hold: each table's columns checked with the API's own input types.

A row model per table is derived from the table's columns (a `String(n)` column takes the API's strict string
of at most n characters, a boolean the strict boolean, an integer a whole number the column can hold, a date-time
the API's bounded `DateTimeIn`, ...), and columns whose values the API constrains further take the very type the
API's input models use (an e-mail, a tag list, a submission status, a quiz theme, a pulse answer, a relative due
date's day offset, ...). So an import can store nothing a read could not answer, and a bad row is refused by
table, row and column in the API's ajv wording: `data.tables.offerings[0].tags should be array`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from types import GenericAlias
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    TypeAdapter,
    ValidationError,
    create_model,
    model_validator,
)
from sqlalchemy import JSON, BigInteger, Boolean, ColumnDefault, Float, Integer, Numeric, String, Table, Text

from openqualify.server.assessments.schemas import AssessmentType, MarkType
from openqualify.server.db.base import UTCDateTime
from openqualify.server.kit.errors import SchemaValidationError
from openqualify.server.kit.timefmt import DateTimeIn
from openqualify.server.kit.validation import Bool, EmailStr, Number, Str, Tags, bounded, column_length, describe
from openqualify.server.offerings.schemas import MAX_TIMEFRAME, TimeframeUnit
from openqualify.server.sandbox.assessments.schemas import Days, FileIn, ThemeIn, UploadedFileIn
from openqualify.server.sandbox.learning.schemas import AnswerIn, PulseType
from openqualify.server.sandbox.social.schemas import AttachmentIn


def _finite(value: float) -> float:
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("should be a finite number")
    return value


Int32 = Annotated[int, Strict(), Field(ge=-(2**31), le=2**31 - 1)]
Int64 = Annotated[int, Strict(), Field(ge=-(2**63), le=2**63 - 1)]
Finite = Annotated[Number, AfterValidator(_finite)]
Count = Annotated[int, Strict(), Field(ge=0, le=2**31 - 1)]
Percent = Annotated[int, Strict(), Field(ge=0, le=100)]
Minutes = Annotated[int, Strict(), Field(ge=1, le=525_600)]  # a pulse run: the API's RunCreate bound


class MarkHistoryEntry(BaseModel):
    """One entry of a mark's history as the sandbox stores it (`markFeedback` of the API's marks)."""

    model_config = ConfigDict(extra="forbid")
    id: Annotated[Str, Field(min_length=1)]
    mark: Str | None = None
    feedback: Str | None = None
    markerId: Str | None = None
    createdAt: DateTimeIn | None = None


class LearningOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Str
    description: Str


class StoredFile(FileIn):
    """A submission's file as stored: `FileIn` with its id and URL filled in."""

    id: Str
    url: Str


class StoredUpload(UploadedFileIn):
    url: Str


class StoredAttachment(AttachmentIn):
    id: Str


def _money(value: float) -> float:
    if abs(value) >= 10**10:  # Numeric(12, 2)
        raise ValueError("should be < 10000000000 in magnitude")
    return value


# Columns the API constrains beyond their storage type, with the API's own types.
OVERRIDES: dict[tuple[str, str], Any] = {
    ("users", "email"): EmailStr,
    ("users", "email_key"): EmailStr,
    ("users", "tags"): Tags,
    ("users", "invite_sent_count"): Count,
    ("courses", "tags"): Tags,
    ("courses", "learning_outcomes"): list[LearningOutcome],
    ("offerings", "tags"): Tags,
    ("offerings", "price"): Annotated[Finite, AfterValidator(_money)] | None,
    ("offerings", "enrollment_limit"): Count | None,
    ("offering_badges", "expiry_type"): Literal["date", "timeframe"] | None,
    ("offering_badges", "timeframe_unit"): TimeframeUnit | None,
    ("offering_badges", "timeframe_amount"): Finite | None,
    ("assessments", "type"): AssessmentType,
    ("assessments", "mark_type"): MarkType | None,
    ("assessments", "themes"): list[ThemeIn],
    ("assessments", "open_offset_days"): Days | None,
    ("assessments", "due_offset_days"): Days | None,
    ("assessments", "duration_minutes"): Count | None,
    ("assessments", "max_attempts"): Count | None,
    ("assessments", "total_questions"): Count | None,
    ("assessment_settings", "mark_type"): MarkType | None,
    ("assessment_settings", "removed_document_ids"): list[Str],
    ("assessment_documents", "size"): Count,
    ("assessment_submissions", "status"): Literal["draft", "submitted", "marked"],
    ("assessment_submissions", "files"): list[StoredFile],
    ("assessment_marks", "history"): list[MarkHistoryEntry],
    ("activities", "time_minutes"): Annotated[Finite, Field(ge=0)] | None,
    ("activity_attempts", "uploaded_files"): list[StoredUpload],
    ("course_pages", "task_count"): Count,
    ("page_progress", "tasks_done"): Count,
    ("learner_progress", "completion"): Percent,
    ("unit_reactions", "reaction"): Literal["thumbs-up", "thumbs-down"],
    ("pulses", "pulse_type"): PulseType,
    ("pulses", "options"): list[Str],
    ("pulse_runs", "duration_minutes"): Minutes,
    ("pulse_responses", "answer"): AnswerIn,
    ("channel_posts", "attachments"): list[StoredAttachment],
}


def _storage_type(table: Table, name: str) -> Any:
    """The API's strict type for a column, from how it is stored."""
    column = table.c[name]
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return DateTimeIn
    if isinstance(kind, Boolean):
        return Bool
    if isinstance(kind, BigInteger):
        return Int64
    if isinstance(kind, Integer):
        return Int32
    if isinstance(kind, Float | Numeric):
        return Finite
    if isinstance(kind, String | Text):  # Text is a String without a length: the free-text cap
        return bounded(column_length(column), min_length=1 if column.primary_key else 0)
    if isinstance(kind, JSON):
        raise AssertionError(f"{table.name}.{name}: a JSON column needs its document's type in OVERRIDES")
    raise AssertionError(f"{table.name}.{name}: no import type for {kind!r}")


def _row_checks(table: Table) -> Any:
    """Rules across the columns of one row that the API applies to its input."""

    def check(row: BaseModel) -> BaseModel:
        values = row.__dict__
        if table.name == "users" and values["email_key"] != values["email"].lower():
            raise ValueError("should have email_key equal to the lower-cased email")
        if table.name == "offering_badges":
            amount, unit = values.get("timeframe_amount"), values.get("timeframe_unit") or "days"
            if amount is not None and amount > MAX_TIMEFRAME[unit]:
                raise ValueError(f'should have timeframe_amount <= {MAX_TIMEFRAME[unit]} for timeframe_unit "{unit}"')
        return row

    return model_validator(mode="after")(check)


@cache
def row_model(table: Table) -> type[BaseModel]:
    """The pydantic model of one row of `table` (without `org_id`, which the import sets)."""
    fields: dict[str, Any] = {}
    for column in table.columns:
        if column.name == "org_id":
            continue
        kind = OVERRIDES.get((table.name, column.name)) or _storage_type(table, column.name)
        default = column.default.arg if isinstance(column.default, ColumnDefault) else None
        if column.nullable:
            fields[column.name] = (kind | None, None)
        elif callable(default):  # list: a fresh one per row
            fields[column.name] = (kind, Field(default_factory=list))
        elif default is not None:
            fields[column.name] = (kind, default)
        elif table.name == "users" and column.name == "email_key":
            fields[column.name] = (kind | None, None)  # derived from the e-mail when absent
        else:
            fields[column.name] = (kind, ...)
    return create_model(
        f"Import_{table.name}",
        __config__=ConfigDict(extra="forbid"),
        __validators__={"_row_checks": _row_checks(table)},
        **fields,
    )


@cache
def _rows_adapter(table: Table) -> TypeAdapter[list[Any]]:
    rows_type: Any = GenericAlias(list, (row_model(table),))  # `list[<the table's row model>]`, built at run time
    return TypeAdapter(rows_type)


_COMPARISONS = {"less_than_equal": ("le", "<="), "greater_than_equal": ("ge", ">="), "less_than": ("lt", "<"),
                "greater_than": ("gt", ">")}


def describe_at(error: dict[str, Any], *loc: Any) -> str:
    """A pydantic error of the document at body location `loc`, in the API's ajv wording (bounds as ajv says
    them: `should be <= 100`)."""
    error = {**error, "loc": ("body", *loc)}
    if error.get("type") in _COMPARISONS:
        key, sign = _COMPARISONS[error["type"]]
        error.update(type="value_error", ctx={"error": f"should be {sign} {(error.get('ctx') or {}).get(key)}"})
    return describe(error)


def load_rows(table: Table, raw_rows: Sequence[Any], first_index: int, org_id: str) -> list[dict[str, Any]]:
    """Rows of the document (`raw_rows` start at row `first_index` of the table) as rows of the caller's
    organisation, every column present. A row naming an `org_id` gets the caller's: whatever it says is ignored.
    Refused with SchemaValidationError naming the table, row and column."""
    cleaned = [{k: v for k, v in raw.items() if k != "org_id"} if isinstance(raw, dict) else raw for raw in raw_rows]
    if table.name == "users":
        for raw in cleaned:
            if isinstance(raw, dict) and raw.get("email_key") is None and isinstance(raw.get("email"), str):
                raw["email_key"] = raw["email"].lower()
    try:
        models = _rows_adapter(table).validate_python(cleaned)
    except ValidationError as exc:
        error: dict[str, Any] = dict(exc.errors(include_url=False)[0])
        index, *inner = error["loc"]
        where = ("tables", table.name, first_index + int(index), *inner)
        raise SchemaValidationError(describe_at(error, *where)) from None
    documents = _json_columns(table)
    rows = []
    for raw, model in zip(cleaned, models, strict=True):
        row = dict(model.__dict__)
        for name in documents:  # stored as given (validated above): the writers' own shape, extra keys kept out
            if name in raw:
                row[name] = raw[name]
        row["org_id"] = org_id
        rows.append(row)
    return rows


@cache
def _json_columns(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.columns if isinstance(c.type, JSON))
