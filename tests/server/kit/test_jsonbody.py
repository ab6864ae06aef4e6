"""`kit.jsonbody`: bodies parsed with bounds while parsing, and validated up to their first error (issue 19.1)."""

from __future__ import annotations

import asyncio
import tracemalloc
from typing import Any

import orjson
import pytest
from pydantic import TypeAdapter, ValidationError

from openqualify.server.kit.errors import ApiError
from openqualify.server.kit.jsonbody import BodyLimits, first_error_validator, parse_json
from openqualify.server.memberships.schemas import OfferingUserIn
from openqualify.server.sandbox.assessments.schemas import SubmissionCreate
from openqualify.server.users.schemas import UserPatch

LIMITS = BodyLimits.for_bulk_cap(10_000)


def parse(body: bytes, limits: BodyLimits = LIMITS) -> Any:
    return asyncio.run(parse_json(body, limits))


def refusal(body: bytes, limits: BodyLimits = LIMITS) -> str:
    with pytest.raises(ApiError) as caught:
        parse(body, limits)
    assert caught.value.name == "SchemaValidationError"
    return caught.value.details


VALID = [
    b'{"a": 1, "b": [true, false, null, -0, 1.5, 1e3, "x\\u00e9\\ud83d\\ude00"], "c": {"d": {}}, "e": []}',
    b"  [1, 2, 3]  ",
    b'"just a string"',
    orjson.dumps([{"email": f"u{n}@example.com", "tags": ["a", "b"], "n": n / 3} for n in range(5_000)]),  # sliced
    b'{"a": 1, "a": 2}',
]


@pytest.mark.parametrize("body", VALID, ids=range(len(VALID)))
def test_values_are_orjsons(body: bytes) -> None:
    assert parse(body) == orjson.loads(body)


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (b'{"a": ', "Unexpected token in JSON: unexpected end of data"),
        (b'{"a": 1}x', "Unexpected token in JSON: unexpected content after document"),
        (b'"\\ud800"', "Unexpected token in JSON: no low surrogate in string"),
        (b'["\\udc00"]', "Unexpected token in JSON: "),
        (b"[1,]", "Unexpected token in JSON: trailing comma is not allowed"),
        (b'"\xff"', "Unexpected token in JSON: str is not valid UTF-8"),
        (b"123456789012345678901234567890", "Unexpected token in JSON: number out of range"),
        (b"NaN", "Unexpected token in JSON: "),
    ],
)
def test_syntax_errors_are_worded_as_orjson_words_them(body: bytes, details: str) -> None:
    assert refusal(body).startswith(details)


def test_bounds_name_where_they_were_passed() -> None:
    many_keys = b"{" + b",".join(b'"k%d":1' % n for n in range(1_001)) + b"}"
    assert refusal(many_keys) == "data should NOT have more than 1000 properties"
    nested = b'[{"a": [{"b": ' + many_keys + b"}]}]"
    assert refusal(nested) == "data[0].a[0].b should NOT have more than 1000 properties"
    small = BodyLimits(max_items=3, max_values=12)
    assert refusal(b'{"x": [1, 2, 3, 4]}', small) == "data.x should NOT have more than 3 items"
    assert refusal(b'[[1], [2], [3, 4, 5, 6]]', small) == "data[2] should NOT have more than 3 items"
    many_values = b"[" + b",".join([b"[1,1,1]"] * 3) + b"]"
    assert refusal(many_values, small) == "request body should NOT have more than 12 values"
    long_string = b'{"a": ["x", "' + b"y" * 1_000_001 + b'"]}'
    assert refusal(long_string) == "data.a[1] should NOT be longer than 1000000 characters"
    assert refusal(b"[" * 33 + b"]" * 33) == "data" + "[0]" * 32 + " should NOT be nested deeper than 32 levels"
    assert parse(b"[" * 32 + b"]" * 32) is not None


def test_a_million_keys_cost_what_a_thousand_cost() -> None:
    """The issue's body: 9.9 MB, 1,000,000 keys. Refused at key 1,001, allocating well under the body's size."""
    body = b"{" + b",".join(b'"%x":1' % n for n in range(1_000_000)) + b"}"
    tracemalloc.start()
    try:
        refusal(body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < len(body) // 10, peak  # before: 1.3 GB in the worker


def test_a_large_body_is_parsed_a_slice_at_a_time() -> None:
    """Other tasks run while a large body is parsed (the parse awaits between slices)."""
    body = orjson.dumps([{"email": f"u{n}@example.com", "firstName": "F"} for n in range(8_000)])
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    async def main() -> Any:
        task = asyncio.create_task(ticker())
        try:
            return await parse_json(body, LIMITS)
        finally:
            task.cancel()

    assert asyncio.run(main()) == orjson.loads(body)
    assert ticks >= len(body) // (16 * 1024) - 1


FIRST_ERROR_CASES: list[tuple[Any, Any]] = [
    (SubmissionCreate, {"email": "a@example.com", **{f"k{n}": n for n in range(999)}}),
    (SubmissionCreate, {"email": 5, "zz": 1, "yy": 2}),
    (SubmissionCreate, {"files": [{"filename": "x", "bad": 1}] * 5_000}),
    (SubmissionCreate, {"email": "a@example.com", "files": [{"filename": "x"}, {"filename": 5, "q": 1}]}),
    (UserPatch, {"metadata": {"tags": [1] * 200, "x": 1}, "y": 2}),
    (OfferingUserIn, {"firstName": 1, "lastName": 2, **{f"e{n}": n for n in range(500)}}),
    (list[OfferingUserIn], [{"email": n} for n in range(10_000)]),
]


@pytest.mark.parametrize(("model", "value"), FIRST_ERROR_CASES, ids=range(len(FIRST_ERROR_CASES)))
def test_the_first_error_is_the_full_validators_first_error(model: Any, value: Any) -> None:
    with pytest.raises(ValidationError) as full:
        TypeAdapter(model).validate_python(value)
    with pytest.raises(ValidationError) as first:
        first_error_validator(model).validate_python(value)
    ours, theirs = first.value.errors(include_url=False), full.value.errors(include_url=False)
    assert (ours[0]["loc"], ours[0]["type"]) == (theirs[0]["loc"], theirs[0]["type"])
    assert len(ours) <= 8 < len(theirs) or len(theirs) <= 8  # bounded by the model's fields, not by the body


def test_valid_values_validate_the_same() -> None:
    value = {"email": "a@example.com", "status": "draft", "files": [{"filename": "f", "size": 3}]}
    assert first_error_validator(SubmissionCreate).validate_python(value) == SubmissionCreate.model_validate(value)


@pytest.mark.parametrize(
    "body",
    [*VALID[:3], b"[" * 33 + b"]" * 33, b'{"x": {"y": [1]}, "a": [{"b": ' + b"[" * 31 + b"]" * 31 + b"}]}",
     b'{"n": 123456789012345678901234567890}', b'{"a": "\\ud800"}', b'{"a": 1,}'],
)
def test_small_bodies_answer_as_large_ones(body: bytes) -> None:
    """Bodies up to 4 KiB take orjson's path with a nesting check; padded past it they take the incremental one."""

    def outcome(raw: bytes) -> Any:
        try:
            return ("value", parse(raw))
        except ApiError as error:
            return ("refused", error.details)

    assert len(body) < 4096
    assert outcome(body) == outcome(body + b" " * 5000)
