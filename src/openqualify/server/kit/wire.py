"""Responses as JSON bytes built straight from rows: no response model to validate or serialise on the way out.

A view builds plain dicts in the order and shape of the contract's schema (absent values left out, as
`response_model_exclude_none` would) and the route returns `JSONBytes(...)`; FastAPI sends a returned `Response`
as it is. The route still declares its `response_model`, which documents the shape in OpenAPI and is what the
tests check every fast answer against (`tests/server/test_wire_shapes.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import String, TypeDecorator, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from starlette.responses import Response

from openqualify.server.kit.timefmt import format_datetime, to_utc

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME  # datetimes go through `_default`: the API's own format


def _default(value: object) -> object:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, BaseModel):  # a nested value built through its model (e.g. a mark inside a row)
        return value.model_dump(mode="json", exclude_none=True)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, default=_default, option=_OPTIONS)


class JSONBytes(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def present(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that have a value: the contract's schemas declare no nullable property."""
    return {key: value for key, value in fields.items() if value is not None}


class _WireTime(TypeDecorator[str]):
    """A stored date-time read straight into the API's text form (`kit.timefmt.format_datetime`).

    SQLite hands over the stored text (`YYYY-MM-DD HH:MM:SS.ffffff`, naive UTC, as SQLAlchemy writes it): the
    wire form is a slice of it, with no datetime built on the way. PostgreSQL's driver hands over a datetime,
    formatted as every other answer formats one.
    """

    impl = String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            if len(value) == 26 and value[10] == " " and value[19] == ".":
                return f"{value[:10]}T{value[11:23]}Z"  # milliseconds truncated, as isoformat does
            value = datetime.fromisoformat(value)
        return format_datetime(to_utc(value))


def wire_time(column: Any) -> ColumnElement[str]:
    """Select a date-time column as its wire text, labelled with the column's name."""
    return type_coerce(column, _WireTime()).label(column.key)
