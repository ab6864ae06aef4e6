"""The request helper every resource method goes through, and the operation registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic.alias_generators import to_camel

from .._base import AsyncTransport, SyncTransport, segment
from ..models import RequestModel, format_datetime

F = TypeVar("F", bound=Callable[..., Any])

OPERATIONS: dict[tuple[str, str], str] = {}
"""Contract operation `(METHOD, path template)` -> `"resource.method"` of the SDK."""


def operation(method: str, template: str) -> Callable[[F], F]:
    """Record which contract operation a resource method calls; the method itself is unchanged."""

    def mark(func: F) -> F:
        resource = func.__qualname__.split(".")[0]
        OPERATIONS[(method, template)] = f"{resource}.{func.__name__}"
        func.__iqualify_operation__ = (method, template)  # type: ignore[attr-defined]
        return func

    return mark


def jsonable(value: Any) -> Any:
    """Turn SDK inputs (models, datetimes, mappings) into JSON values, dropping unset (None) entries."""
    if isinstance(value, RequestModel):
        return value.body()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def body(extra: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A JSON body from snake_case keyword arguments (camelCased, None left out), plus raw `extra` keys."""
    out = {to_camel(k): jsonable(v) for k, v in fields.items() if v is not None}
    out.update(extra or {})
    return out


class Resource:
    """A group of operations. Sync or async depends only on the transport it is bound to."""

    def __init__(self, transport: SyncTransport | AsyncTransport) -> None:
        self._transport = transport

    def _call(
        self,
        method: str,
        *segments: str,
        into: Any = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        handler: Callable[..., Any] | None = None,
    ) -> Any:
        url = "/" + "/".join(segment(s) for s in segments)
        return self._transport.request(method, url, into=into, params=params, json=json, handler=handler)
