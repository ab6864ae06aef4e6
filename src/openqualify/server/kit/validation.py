"""Input hygiene and the contract's `SchemaValidationError` with ajv-style details.

The input types here are the one place where request strings are checked: JSON-Schema-strict types (no
coercion), no NUL characters, and a maximum length on every string, taken from the column the value is stored
in (`Annotated[str, fits(User.first_name)]`) or a general cap for free text. Lone surrogates never get this far:
the JSON parser refuses them (`kit.routing.JsonRequest`). FastAPI reports problems as pydantic error dicts; the
real service speaks ajv: `describe` translates, so every route reports bad input the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from openqualify.server.kit.errors import ApiError, SchemaValidationError

# The `format: email` check of ajv (the validator behind the original service), case-insensitive.
_EMAIL = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$",
    re.IGNORECASE,
)

_TYPE_NAMES = {
    "string_type": "string",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "int_type": "integer",
    "int_parsing": "integer",
    "int_from_float": "integer",
    "float_type": "number",
    "float_parsing": "number",
    "list_type": "array",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
}


TEXT_MAX_LENGTH = 1_000_000
"""Free text stored without a column length (HTML overviews, post bodies): bounded all the same."""
EMAIL_MAX_LENGTH = 320  # RFC 5321's 64 + 1 + 255, the users.email column
TAG_MAX_LENGTH = 200
MAX_TAGS = 200
NUL_MESSAGE = "should NOT contain the NUL character (\\u0000)"


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value))


def has_nul(value: str) -> bool:
    return "\x00" in value


def refuse_nul(path_params: Mapping[str, Any], query_items: Iterable[tuple[str, str]]) -> None:
    """NUL in a path value or a query name or value is a schema error (PostgreSQL cannot store or compare it)."""
    for name, value in path_params.items():
        if isinstance(value, str) and has_nul(value):
            raise SchemaValidationError(f"[{name}] value {NUL_MESSAGE}")
    for name, value in query_items:
        if has_nul(name) or has_nul(value):
            raise SchemaValidationError(f"[{name.replace(chr(0), '')}] value {NUL_MESSAGE}")


def _strict_str(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("should be string")
    if has_nul(value):
        raise ValueError(NUL_MESSAGE)
    return value


def _strict_bool(value: object) -> object:
    if not isinstance(value, bool):
        raise ValueError("should be boolean")
    return value


def _strict_number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("should be number")
    return value


def _email(value: str) -> str:
    if not is_email(value):
        raise ValueError('should match format "email"')
    return value


@dataclass(frozen=True, slots=True)
class StrictText(GroupedMetadata):
    """`Annotated[str, StrictText(80)]`: a strict string (no coercion) of `min_length` to `max_length` characters.
    Metadata rather than a type built at run time, so type checkers see `str`."""

    max_length: int
    min_length: int = 0

    def __iter__(self) -> Iterator[object]:
        # Constraints before the validator: pydantic then reports `string_too_long`, not a generic `too_long`.
        yield from StringConstraints(min_length=self.min_length, max_length=self.max_length)
        yield BeforeValidator(_strict_str)


def bounded(max_length: int, *, min_length: int = 0) -> Any:
    """A strict string of at most `max_length` characters, as a type built at run time (for models built at run
    time, such as the import's rows); in a declared field write `Annotated[str, StrictText(...)]`."""
    return Annotated[str, StrictText(max_length, min_length)]


def column_length(column: Any) -> int:
    """The length of a `String(n)` column (a mapped attribute or a Column); free text gets the general cap."""
    return getattr(column.type, "length", None) or TEXT_MAX_LENGTH


def fits(column: Any, *, min_length: int = 0) -> StrictText:
    """A strict string that fits the column it is stored in:
    `firstName: Annotated[str, fits(User.first_name, min_length=1)]`."""
    return StrictText(column_length(column), min_length)


def _reject_null(value: object) -> object:
    if value is None:
        raise ValueError("should be string")
    return value


NOT_NULL = BeforeValidator(_reject_null)
"""`Annotated[X | None, NOT_NULL]`: an optional field that, when present, holds a value: JSON null is refused like
a wrong type."""


# JSON-schema-strict input types: no silent coercion of 1 -> "1" or "true" -> True.
Str = Annotated[str, StrictText(TEXT_MAX_LENGTH)]
NonEmptyStr = Annotated[str, StrictText(TEXT_MAX_LENGTH, min_length=1)]
Bool = Annotated[bool, BeforeValidator(_strict_bool)]
Number = Annotated[float, BeforeValidator(_strict_number)]
EmailStr = Annotated[
    str,
    StringConstraints(min_length=1, max_length=EMAIL_MAX_LENGTH),
    BeforeValidator(_strict_str),
    AfterValidator(_email),
]
Tag = Annotated[str, StrictText(TAG_MAX_LENGTH)]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS)]


def _location(loc: Sequence[Any]) -> str:
    """('body', 'metadata', 'tags', 0) -> '.metadata.tags[0]'; ('path', 'userEmail') -> 'userEmail'."""
    if not loc:
        return ""
    source, *rest = loc
    if source in ("path", "query", "header"):
        return ".".join(str(part) for part in rest)
    text = ""
    for part in rest:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def describe(error: dict[str, Any]) -> str:
    """One pydantic error -> an ajv-like sentence."""
    kind = error.get("type", "")
    loc = list(error.get("loc", ()))
    ctx = error.get("ctx") or {}
    source = loc[0] if loc else "body"
    where = _location(loc)
    subject = f"[{where}] value" if source in ("path", "query") else f"data{where}"

    if kind == "missing":
        if source == "body" and len(loc) <= 1:
            return "request body is required"
        parent = _location(loc[:-1])
        owner = f"data{parent}" if source == "body" else "request"
        return f"{owner} should have required property '{loc[-1]}'"
    if kind == "extra_forbidden":
        parent = _location(loc[:-1])
        return f"data{parent} should NOT have additional properties ('{loc[-1]}')"
    if kind == "json_invalid":
        return f"Unexpected token in JSON: {ctx.get('error', 'invalid JSON')}"
    if kind == "string_too_short":
        return f"{subject} should NOT be shorter than {ctx.get('min_length', 1)} characters"
    if kind == "string_too_long":
        return f"{subject} should NOT be longer than {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"{subject} should NOT have fewer than {ctx.get('min_length', 1)} items"
    if kind == "too_long":
        return f"{subject} should NOT have more than {ctx.get('max_length')} items"
    if kind in ("literal_error", "enum"):
        expected = ctx.get("expected", "")
        return f"{subject} should be equal to one of the allowed values {expected}".rstrip()
    if kind == "string_pattern_mismatch":
        return f"{subject} should match pattern \"{ctx.get('pattern')}\""
    if kind in _TYPE_NAMES:
        return f"{subject} should be {_TYPE_NAMES[kind]}"
    if kind == "value_error":
        message = str(ctx.get("error") or error.get("msg", "is invalid"))
        return f"{subject} {message}"
    return f"{subject} {error.get('msg', 'is invalid')}"


def to_schema_error(errors: Sequence[dict[str, Any]]) -> ApiError:  # a SchemaValidationError
    """The first problem decides the message, as ajv stops at the first error by default."""
    ordered = sorted(errors, key=lambda e: 0 if e.get("loc", ("",))[0] == "path" else 1)
    return SchemaValidationError(describe(ordered[0]) if ordered else "invalid request")


def check_bulk_size(items: Sequence[object], limit: int) -> None:
    """The cap on items of one bulk request, reported as JSON Schema's `maxItems` would be."""
    if len(items) > limit:
        raise SchemaValidationError(f"data should NOT have more than {limit} items")
