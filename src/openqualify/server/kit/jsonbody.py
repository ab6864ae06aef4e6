"""Request bodies parsed with bounds, and validated up to their first error.

A body under the byte cap can still ask for a lot: one object with a million keys is 10 MB of JSON, a second
of parsing and, through validation that reports every extra key, a gigabyte of error objects (issue 19). Here
the structure is counted *while* it is parsed, by an incremental parser (ijson over yajl, in C): properties per
object, items per array, values per body, nesting depth and string length. The first value past a bound stops
the parse with an ajv-style 400, so a hostile body costs what its first thousand keys cost. A large body is fed
to the parser in slices with a pause between them (`kit.chunks`), so other requests run meanwhile.

orjson stays the reference for what JSON is (decision R6): yajl turns a lone surrogate escape into `?` and
words its errors differently, so a body with surrogate escapes, and any body the incremental parser refuses,
goes through orjson as well (after the bounds held, so that costs no more than the bounds allow).

`first_error_validator` builds, from a type's pydantic core schema, a validator that stops at the first error:
every list, set, tuple and dict validates with `fail_fast`, and a model that forbids extra keys sees only the
first of them. Its first error is the one the ordinary validator would report first (decision 5), at a cost
bounded by the model's size instead of the body's.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ijson  # type: ignore[import-untyped]
import orjson
from pydantic import TypeAdapter
from pydantic_core import SchemaValidator

from openqualify.server.kit.errors import SchemaValidationError
from openqualify.server.kit.validation import TEXT_MAX_LENGTH
from openqualify.server.observability import metrics

MAX_PROPERTIES = 1000
"""Keys per object: the largest object of the API has a few dozen (an import row, about 30)."""
MAX_DEPTH = 32
"""Nesting of objects and arrays: the API's deepest body nests 4 levels."""
VALUES_PER_BULK_ITEM = 20
"""The values cap of a body is this many per item of the bulk cap (a bulk add item has about a dozen)."""
SLICE = 16 * 1024
"""Bytes parsed between two pauses: a few milliseconds of work at most."""

SMALL = 4096
"""A body of at most this many bytes cannot pass the key, item, value or string bounds (at their defaults): it is
parsed by orjson in one go and only its nesting is checked (a twentieth of the incremental parser's cost)."""

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONG_NUMBER = re.compile(rb"\d{19}")  # an integer that may not fit 64 bits: the incremental parser decides
_JSON_ERRORS = (ijson.JSONError, UnicodeDecodeError, ValueError)


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """What one body may hold; None: no bound of that kind (the byte cap still holds)."""

    max_items: int | None
    max_values: int | None
    max_properties: int = MAX_PROPERTIES
    max_depth: int = MAX_DEPTH
    max_string: int = TEXT_MAX_LENGTH

    @classmethod
    def for_bulk_cap(cls, max_bulk_items: int) -> BodyLimits:
        return cls(max_items=max_bulk_items, max_values=VALUES_PER_BULK_ITEM * max_bulk_items)


def _where(stack: list[Any], keys: list[Any], depth: int) -> str:
    """ajv's data path of the container at `depth` (0: the root) or, with `depth == len(stack)`, of the value
    being added to the innermost container."""
    text = "data"
    innermost = len(stack) - 1
    for level in range(min(depth, len(stack))):
        container = stack[level]
        if type(container) is list:  # an outer array already holds the open child; the innermost is adding one
            text += f"[{len(container) - 1 if level < innermost else len(container)}]"
        else:
            text += f".{keys[level]}"
    return text


class _Builder:
    """Turns ijson's events into Python values, counting as it goes; raises at the first bound passed."""

    __slots__ = ("counts", "keys", "limits", "root", "stack", "values")

    def __init__(self, limits: BodyLimits) -> None:
        self.limits = limits
        self.stack: list[Any] = []  # the open containers, outermost first
        self.keys: list[Any] = []  # per open object, its current key
        self.counts: list[int] = []  # per open container, its keys or items so far
        self.root: Any = None
        self.values = 0

    def feed(self, events: list[tuple[str, Any]]) -> None:
        limits, stack, keys, counts = self.limits, self.stack, self.keys, self.counts
        for event, value in events:
            if event == "map_key":
                counts[-1] += 1
                if counts[-1] > limits.max_properties:
                    where = _where(stack, keys, len(stack) - 1)
                    raise SchemaValidationError(f"{where} should NOT have more than {limits.max_properties} properties")
                if len(value) > limits.max_string:
                    where = _where(stack, keys, len(stack) - 1)
                    raise SchemaValidationError(
                        f"{where} should NOT have property names longer than {limits.max_string} characters"
                    )
                keys[-1] = value
                continue
            if event == "end_map" or event == "end_array":
                stack.pop()
                keys.pop()
                counts.pop()
                continue
            self.values += 1
            if limits.max_values is not None and self.values > limits.max_values:
                raise SchemaValidationError(f"request body should NOT have more than {limits.max_values} values")
            opens = event == "start_map" or event == "start_array"
            if opens:
                if len(stack) >= limits.max_depth:
                    where = _where(stack, keys, len(stack))
                    raise SchemaValidationError(f"{where} should NOT be nested deeper than {limits.max_depth} levels")
                value = {} if event == "start_map" else []
            elif event == "string" and len(value) > limits.max_string:
                raise SchemaValidationError(
                    f"{_where(stack, keys, len(stack))} should NOT be longer than {limits.max_string} characters"
                )
            if stack:
                top = stack[-1]
                if type(top) is list:
                    if limits.max_items is not None and len(top) >= limits.max_items:
                        where = _where(stack, keys, len(stack) - 1)
                        raise SchemaValidationError(f"{where} should NOT have more than {limits.max_items} items")
                    top.append(value)
                else:
                    top[keys[-1]] = value
            else:
                self.root = value
            if opens:
                stack.append(value)
                keys.append(None)
                counts.append(0)


def _orjson(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise SchemaValidationError(f"Unexpected token in JSON: {error.msg}") from None


def _small_enough(body: bytes, limits: BodyLimits) -> bool:
    """Whether only the nesting bound can be passed by `body` (each key or item takes at least 2 bytes)."""
    size = len(body)
    return (
        size <= SMALL
        and limits.max_properties >= size // 4
        and (limits.max_items is None or limits.max_items >= size // 2)
        and (limits.max_values is None or limits.max_values >= size // 2)
        and limits.max_string >= size
        and not _LONG_NUMBER.search(body)
    )


def _check_nesting(body: bytes, value: Any, max_depth: int) -> None:
    """The first container (in document order) nested deeper than `max_depth`, as the incremental parser names it."""
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return  # not enough brackets to nest that deep (the common case: no walk)
    # (node, depth, parent entry, key or index): the path is spelt only for the container refused
    stack: list[tuple[Any, int, Any, Any]] = [(value, 0, None, None)]
    while stack:
        entry = stack.pop()
        node, depth = entry[0], entry[1]
        if type(node) is dict:
            children: list[tuple[Any, Any]] = list(node.items())
        elif type(node) is list:
            children = list(enumerate(node))
        else:
            continue
        if depth >= max_depth:
            parts = []
            while entry[2] is not None:
                parts.append(f"[{entry[3]}]" if type(entry[2][0]) is list else f".{entry[3]}")
                entry = entry[2]
            where = "data" + "".join(reversed(parts))
            raise SchemaValidationError(f"{where} should NOT be nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1, entry, key) for key, child in reversed(children))


async def parse_json(body: bytes, limits: BodyLimits) -> Any:
    """The JSON value of a non-empty body, or a `SchemaValidationError` at the first bound passed or syntax error.

    Large bodies are parsed a slice at a time with a pause between slices; small ones in one go.
    """
    if _small_enough(body, limits):
        value = _orjson(body)
        try:
            _check_nesting(body, value, limits.max_depth)
        except SchemaValidationError:
            metrics.request_refused("json_bounds")
            raise
        return value
    builder = _Builder(limits)
    events = ijson.sendable_list()
    parser = ijson.basic_parse_coro(events, use_float=True)
    surrogates = False
    pause = len(body) > 4 * SLICE
    try:
        for start in range(0, len(body), SLICE):
            piece = body[start : start + SLICE]
            surrogates = surrogates or bool(_SURROGATE_ESCAPE.search(body, max(0, start - 3), start + len(piece)))
            parser.send(piece)
            builder.feed(events)
            del events[:]
            if pause:
                await asyncio.sleep(0)
        parser.close()
        builder.feed(events)
    except SchemaValidationError:  # a bound passed (the builder's errors are all bounds)
        metrics.request_refused("json_bounds")
        raise
    except _JSON_ERRORS as error:
        # The prefix parsed so far held every bound, and orjson stops at the same syntax error (or earlier):
        # its message is the API's. yajl refuses integers beyond 64 bits, which orjson would take as floats.
        if "integer overflow" in str(error):
            raise SchemaValidationError("Unexpected token in JSON: number out of range") from None
        _orjson(body)
        raise SchemaValidationError("Unexpected token in JSON: invalid JSON") from None
    return _orjson(body) if surrogates else builder.root


# Keys of a core schema whose values are data, not schemas: never rewritten.
_NOT_SCHEMAS = frozenset({"default", "metadata", "config", "serialization", "ctx", "expected", "cls", "ref"})
_COLLECTIONS = frozenset({"list", "set", "frozenset", "tuple", "dict"})


def _accepted_keys(fields: dict[str, Any]) -> frozenset[str]:
    names: set[str] = set()
    for name, field in fields.items():
        names.add(name)
        alias = field.get("validation_alias")
        if isinstance(alias, str):
            names.add(alias)
        elif isinstance(alias, list):
            names.update(path[0] if isinstance(path, list) else path for path in alias if path)
    return frozenset(names)


def _first_extra_only(accepted: frozenset[str]) -> Callable[[Any], Any]:
    """A before-validator: an object's declared keys plus its first undeclared one (in the body's order)."""

    def trim(value: Any) -> Any:
        if type(value) is not dict:
            return value
        kept: dict[str, Any] = {}
        extra = False
        for key, item in value.items():
            if key in accepted:
                kept[key] = item
            elif not extra:
                extra = True
                kept[key] = item
        return kept

    return trim


def _fail_fast(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_fail_fast(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if not isinstance(schema.get("type"), str):  # not a schema: a map of names (a model's fields) to schemas
        return {name: _fail_fast(value) for name, value in schema.items()}
    rewritten = {key: value if key in _NOT_SCHEMAS else _fail_fast(value) for key, value in schema.items()}
    if isinstance(schema.get("fields"), dict):  # names are the fields' own: "metadata", "default", "type"...
        rewritten["fields"] = {name: _fail_fast(field) for name, field in schema["fields"].items()}
    kind = rewritten["type"]
    if kind in _COLLECTIONS:
        rewritten["fail_fast"] = True
    elif kind == "model" and (schema.get("config") or {}).get("extra_fields_behavior") == "forbid":
        inner = rewritten["schema"]
        if isinstance(inner, dict) and inner.get("type") == "model-fields":
            # Around the model node: pydantic-core's model validator does not run a function placed inside it.
            trim = _first_extra_only(_accepted_keys(inner["fields"]))
            return {"type": "function-before", "function": {"type": "no-info", "function": trim}, "schema": rewritten}
    return rewritten


def fail_fast_validator(core_schema: Any) -> SchemaValidator:
    """A validator of a pydantic core schema that stops at its first error (see the module's docstring)."""
    # `_use_prebuilt=False`: otherwise pydantic-core reuses each model class's own (collect-every-error) validator.
    return SchemaValidator(_fail_fast(core_schema), _use_prebuilt=False)


def first_error_validator(annotation: Any) -> SchemaValidator:
    """`fail_fast_validator` of a type (e.g. the item model of a bulk request)."""
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    return fail_fast_validator(adapter.core_schema)
