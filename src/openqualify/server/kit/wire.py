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
from starlette.responses import Response

from openqualify.server.kit.timefmt import format_datetime

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME  # datetimes go through `_default`: the API's own format


def _default(value: object) -> object:
    if isinstance(value, datetime):
        return format_datetime(value)
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
