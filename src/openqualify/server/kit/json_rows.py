"""Responses as JSON bytes built straight from rows: no response model to validate or serialise on the way out.

A view builds plain dicts in the order and shape of the contract's schema (absent values left out, as
`response_model_exclude_none` would) and the route returns `JSONBytes(...)`; FastAPI sends a returned `Response`
as it is. The route still declares its `response_model`, which documents the shape in OpenAPI and is what the
tests check every fast answer against (`tests/server/test_wire_shapes.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from starlette.responses import Response

from openqualify.server.kit.timefmt import format_datetime

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

    def __init__(
        self, content: Any, status_code: int = 200, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        if status_code != 200 or headers is not None or kwargs:
            super().__init__(content, status_code, headers, **kwargs)
            return
        # What Starlette's `Response.__init__` makes of a plain 200 (its body, length and type), made directly.
        self.status_code = status_code
        self.background = None
        self.body = body = dumps(content)
        self.raw_headers = [(b"content-length", str(len(body)).encode("latin-1")), _JSON_TYPE]

    def render(self, content: Any) -> bytes:
        return dumps(content)


_JSON_TYPE = (b"content-type", b"application/json")


def present(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that have a value: the contract's schemas declare no nullable property."""
    return {key: value for key, value in fields.items() if value is not None}


def objects(keys: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows whose columns come in the wire order of `keys`, as JSON-ready objects with their absent (None) values
    left out: one dict per row, built in one pass (lists run to thousands of rows)."""
    return [{key: value for key, value in zip(keys, row, strict=True) if value is not None} for row in rows]


class WireTime(FunctionElement[str]):
    """A stored date-time as the API's text (`kit.timefmt.format_datetime`), formatted by the database.

    Lists run to thousands of date-times; formatting them in SQL costs the database little and spares Python a
    datetime and a string per value. Both forms truncate to milliseconds, as `isoformat` does:
    - SQLite stores `YYYY-MM-DD HH:MM:SS.ffffff` (naive UTC, as SQLAlchemy writes it): the wire text is a slice of
      it (any other stored form goes through `strftime`);
    - PostgreSQL stores `timestamp without time zone` in UTC: `to_char` with milliseconds (it truncates).
    """

    type = String()
    inherit_cache = True
    name = "wire_time"


@compiles(WireTime, "sqlite")
def _wire_time_sqlite(element: WireTime, compiler: Any, **kw: Any) -> str:
    value = compiler.process(next(iter(element.clauses)), **kw)
    return (
        f"CASE WHEN length({value}) = 26 THEN substr({value}, 1, 10) || 'T' || substr({value}, 12, 12) || 'Z' "
        f"ELSE strftime('%Y-%m-%dT%H:%M:%fZ', {value}) END"
    )


@compiles(WireTime, "postgresql")
def _wire_time_postgresql(element: WireTime, compiler: Any, **kw: Any) -> str:
    value = compiler.process(next(iter(element.clauses)), **kw)
    return f"to_char({value}, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"


def wire_time(column: Any) -> ColumnElement[str]:
    """Select a date-time column as its wire text, labelled with the column's name."""
    return WireTime(column).label(column.key)
