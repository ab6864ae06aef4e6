"""Query and path parameters as the server accepts them: their types, bounds and words.

The read routes take their query values as strings and parse them themselves (`kit/reads.py`, `kit/odata`), so
FastAPI only sees strings; this module declares what a client may really send: `$top` an integer from 1 to 1000,
the role flags `"true"`/`"false"`, `days` a whole number, `pulseType` one of five values, and, for the two lists
that take `$orderby` and `$filter`, the fields, operators and functions each accepts, with examples (every one of
them is run against the demo by `tests/contract/test_reference.py`). Tests also check that the fields named here
are the ones the server declares (`offerings.repository.summary_fields`, `progress.service`).
"""

from __future__ import annotations

from typing import Any

from openqualify.server.kit.odata import DEFAULT_TOP, MAX_TOP
from openqualify.server.kit.odata.compiler import MAX_ORDERBY_LENGTH
from openqualify.server.kit.odata.parser import MAX_ANY, MAX_DEPTH, MAX_FILTER_LENGTH, MAX_STRING_LENGTH, MAX_TERMS

SUMMARY = "GET /v1/offerings/summary"
PROGRESS = "GET /v1/users/all/progress"
MEMBERS = "GET /v1/offerings/{offeringId}/users"
PENDING = "GET /v1/offerings/{offeringId}/learners/pending-submission"
PULSE_RESPONSES = "GET /v1/offerings/{offeringId}/analytics/pulses/responses"

# The fields each list's `$filter` and `$orderby` accept, by kind (tests compare them with the server's).
SUMMARY_FIELDS: dict[str, str] = {
    "id": "string",
    "name": "string",
    "contentId": "string",
    "info": "string",
    "metadata/rootContentId": "string",
    "start": "datetime",
    "end": "datetime",
    "learnersCount": "number",
}
PROGRESS_FIELDS: dict[str, str] = {
    "id": "string",
    "email": "string",
    "firstName": "string",
    "lastName": "string",
    "personId": "string",
}
PROGRESS_OFFERING_FIELDS: dict[str, str] = {"id": "string", "completion": "number"}

SYNTAX = f"""\
**Comparisons**: `eq`, `ne`, `gt`, `ge`, `lt`, `le`, between a field and a value (or two fields of the same kind).
Combine them with `and`, `or`, `not` and parentheses; `not` applies to the whole comparison that follows it
(`not name eq 'x'`).

**Functions**: `contains(field,'text')`, `startswith(field,'text')` and `endswith(field,'text')` ignore case
(letters outside ASCII match exactly on SQLite); `tolower(field)` lowers a field for an exact comparison.
`eq` and `ne` on text are exact, case included.

**Values**: text in single quotes, a quote inside doubled (`'O''Brien'`); numbers; `true`, `false`, `null`
(`field eq null` finds an absent value); date-times written as they are, without quotes
(`2026-01-01T00:00:00Z`, or with an offset such as `+13:00`; `datetime'...'` works too).

**Bounds**: at most {MAX_FILTER_LENGTH:,} characters, {MAX_TERMS} comparisons or function calls, {MAX_ANY} `any()`
terms, {MAX_DEPTH} levels of parentheses and {MAX_STRING_LENGTH} characters in one quoted value. A filter the server
cannot read, or one past a bound, is a 400 `ApiValidationError` that says where and what was expected (or which
bound); an empty one counts as absent."""

PAGING = """\
There is no `$skip`. To read every row, sort on the id and ask each time for the rows after the last one you
received: `$orderby=id&$filter=id gt '<last id>'` (add your own condition with `and`)."""


def _examples(*pairs: tuple[str, Any]) -> dict[str, dict[str, Any]]:
    return {summary: {"summary": summary, "value": value} for summary, value in pairs}


def _top(what: str) -> dict[str, Any]:
    return {
        "description": (
            f"How many {what} to answer: from 1 to {MAX_TOP} ({DEFAULT_TOP} when absent). A larger or non-numeric "
            "value is refused with `SchemaValidationError`, never cut silently; the answer holds fewer rows only "
            "when there are no more."
        ),
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_TOP, "default": DEFAULT_TOP},
    }


def _fields(fields: dict[str, str]) -> str:
    kinds = {"string": "text", "datetime": "date-time", "number": "number"}
    return ", ".join(f"`{name}` ({kinds[kind]})" for name, kind in fields.items())


SUMMARY_FILTER_EXAMPLES = _examples(
    ("Name contains a word", "contains(name,'Safety')"),
    ("Identifier starts with a course code", "startswith(info,'SAF-')"),
    ("Started in 2026 or later and ended by 2030", "start ge 2026-01-01T00:00:00Z and end le 2030-01-01T00:00:00Z"),
    ("More than 30 learners", "learnersCount gt 30"),
    ("Every offering of one course", "metadata/rootContentId eq '-NDot2k-02_-jilTqLqF'"),
    ("No end date (self-paced)", "end eq null"),
    (
        "Two courses, 20 learners or more",
        "(contains(name,'Safety') or startswith(name,'Te Reo')) and learnersCount ge 20",
    ),
    ("Everything but one course", "not contains(name,'Leadership')"),
    ("Exact name, whatever its case", "tolower(name) eq 'data literacy for managers - self-paced'"),
    ("The page after a given id", "id gt '-NjnTPv-5HTwQ5j2Wqek'"),
)
PROGRESS_FILTER_EXAMPLES = _examples(
    ("E-mails of one domain", "endswith(email,'@example.com')"),
    ("Surnames starting with Mc", "startswith(lastName,'Mc')"),
    ("One person by name", "firstName eq 'Abigail' and lastName eq 'Wells'"),
    ("No person id", "personId eq null"),
    ("Finished at least one offering", "offerings/any(o: o/completion eq 100)"),
    ("Halfway or more somewhere", "offerings/any(o: o/completion ge 50)"),
    ("Behind in one offering", "offerings/any(o: o/id eq '-NjnTPv-5HTwQ5j2Wqek' and o/completion lt 50)"),
    ("Not started anywhere", "not offerings/any(o: o/completion gt 0)"),
    ("The page after a given id", "id gt '-NBZTnq-5SdYJj7EIOjy'"),
)

QUERY_PARAMETERS: dict[tuple[str, str], dict[str, Any]] = {
    (SUMMARY, "$top"): _top("offerings"),
    (SUMMARY, "$orderby"): {
        "description": (
            "Sort by one or more fields, separated by commas, each followed by `asc` (the default) or `desc`: "
            f"{', '.join(f'`{name}`' for name in SUMMARY_FIELDS)}. Without it, offerings come by `start`. The "
            f"offering id always breaks ties, so pages do not overlap. At most {MAX_ORDERBY_LENGTH:,} characters; "
            "an unknown field is a 400 `ApiValidationError`."
        ),
        "schema": {"type": "string", "maxLength": MAX_ORDERBY_LENGTH},
        "examples": _examples(
            ("Latest start first", "start desc"),
            ("Biggest first, then by name", "learnersCount desc,name"),
            ("By id, for paging", "id"),
        ),
    },
    (SUMMARY, "$filter"): {
        "description": (
            "Which offerings to answer: a condition in a subset of OData.\n\n"
            f"**Fields**: {_fields(SUMMARY_FIELDS)}. `end eq null` finds offerings without an end.\n\n"
            f"{SYNTAX}\n\n{PAGING}"
        ),
        "schema": {"type": "string", "maxLength": MAX_FILTER_LENGTH},
        "allowReserved": True,
        "examples": SUMMARY_FILTER_EXAMPLES,
    },
    (PROGRESS, "$top"): _top("learners"),
    (PROGRESS, "$orderby"): {
        "description": (
            "Sort by one or more fields, separated by commas, each followed by `asc` (the default) or `desc`: "
            f"{', '.join(f'`{name}`' for name in PROGRESS_FIELDS)} (e-mails sort ignoring case). Without it, "
            "learners come by e-mail. The account id always breaks ties, so pages do not overlap. At most "
            f"{MAX_ORDERBY_LENGTH:,} characters; an unknown field is a 400 `ApiValidationError`."
        ),
        "schema": {"type": "string", "maxLength": MAX_ORDERBY_LENGTH},
        "examples": _examples(("By name", "lastName,firstName"), ("By id, for paging", "id")),
    },
    (PROGRESS, "$filter"): {
        "description": (
            "Which learners to answer: a condition in a subset of OData.\n\n"
            f"**Fields** of the learner: {_fields(PROGRESS_FIELDS)}.\n\n"
            "**Their offerings**: `offerings/any(o: condition)` holds when at least one offering the person learns "
            f"in meets the condition, which may test {_fields(PROGRESS_OFFERING_FIELDS)}, a whole percent from 0 "
            "to 100 (`'100'` in quotes works too); `offerings/any()` holds for everyone listed. Completion is not "
            "a field of the learner itself: write `offerings/any(o: o/completion gt 50)`, not `completion gt 50`.\n\n"
            f"{SYNTAX}\n\n{PAGING}"
        ),
        "schema": {"type": "string", "maxLength": MAX_FILTER_LENGTH},
        "allowReserved": True,
        "examples": PROGRESS_FILTER_EXAMPLES,
    },
    **{
        (MEMBERS, role): {
            "description": (
                f"`true` (the default) lists the offering's {role}, `false` leaves them out. A member with two roles "
                "is listed when either is asked for."
            ),
            "schema": {"type": "string", "enum": ["true", "false"], "default": "true"},
        }
        for role in ("facilitators", "learners", "markers")
    },
    (PENDING, "days"): {
        "description": (
            "How many days ahead to look for due dates, from now: a whole number from 0 (due today, from now on) "
            "to 36500; 3 when absent."
        ),
        "schema": {"type": "integer", "minimum": 0, "maximum": 36_500, "default": 3},
    },
    (PULSE_RESPONSES, "pulseType"): {
        "description": "Only answers to pulses of this type.",
        "schema": {
            "type": "string",
            "enum": ["submit_text", "MCQ", "spatial_triangular", "spatial_planar", "spatial_linear"],
        },
    },
    (PULSE_RESPONSES, "responseTime"): {
        "description": (
            "Only answers given in a time range: an operator, two underscores and a date-time, e.g. "
            "`gte__2026-11-01T00:00:00Z`. Operators: `lt`, `lte`, `gt`, `gte`; a bare date-time means exactly then. "
            "Repeat the parameter to combine conditions (all must hold): "
            "`responseTime=gte__2026-11-01T00:00:00Z&responseTime=lt__2026-12-01T00:00:00Z`. A value the server "
            "cannot read is a 400 `SchemaValidationError`."
        ),
        "schema": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "style": "form",
        "explode": True,
        "allowReserved": True,
        "examples": _examples(
            ("From a date", ["gte__2026-11-01T00:00:00Z"]),
            ("One month", ["gte__2026-11-01T00:00:00Z", "lt__2026-12-01T00:00:00Z"]),
        ),
    },
    ("GET /_sandbox/emails", "limit"): {
        "description": "How many e-mails to answer, newest first: 1 to 1000 (values outside are brought within).",
        "schema": {"type": "integer", "default": 100},
    },
    ("GET /_sandbox/requests", "limit"): {
        "description": "How many requests to answer, newest first (all that are kept when absent).",
        "schema": {"type": "integer", "minimum": 1},
    },
}

# Path parameters mean the same in every operation: only their words are set (their schema stays).
PATH_PARAMETERS: dict[str, str] = {
    "offeringId": "An offering's id (20 characters; the demo's current Auckland safety class: `-NjnTPv-5HTwQ5j2Wqek`).",
    "userEmail": "A person's e-mail, matched whatever its case (`@` may be sent as `%40`).",
    "markerEmail": "The e-mail of a marker of the offering.",
    "contentId": "A course version's id: any published version, or the draft id of a course being edited.",
    "rootContentId": "A course's root content id: the id of its first published version.",
    "externalCourseId": "The course id of the outside system (a shop, a student system), up to 500 characters.",
    "textPattern": "Text to look for in the offerings' `info`, at least 3 characters.",
    "assessmentId": "A task's id (quiz, assignment or open-response).",
    "documentId": "The id of a document attached to the task.",
    "groupId": "An assessment group's id: 24 hexadecimal characters.",
    "channelId": "A channel's id in the offering.",
    "pulseId": "A pulse's id (the pulse base id of the analytics).",
    "permissionName": "`builder` or `manager`.",
    "submissionId": "A submission's id.",
    "markId": "A mark's id.",
    "postId": "A channel post's id.",
    "commentId": "A comment's id (a reply is a comment on a comment).",
    "activityId": "An open-response activity's id.",
    "pageId": "A page's id (`GET /_sandbox/content/{contentId}/pages` lists them).",
    "runId": "A pulse run's id (the pulse instance id of the analytics).",
}
