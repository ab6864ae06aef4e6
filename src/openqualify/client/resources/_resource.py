"""The request helpers every resource method goes through (blocking and asyncio), and the operation registry."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, overload

from pydantic import BaseModel
from pydantic.alias_generators import to_camel

from .._base import AsyncTransport, Handler, SyncTransport, segment
from .._errors import IQualifyError
from ..models import RequestModel, format_datetime

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
Params = Mapping[str, Any] | None

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


def path(method: str, segments: tuple[str, ...]) -> str:
    """The request path: each segment percent-encoded; an empty one is refused, since `/users//offerings` or
    `/offerings/` would reach another endpoint (or the wrong record) instead of failing."""
    if not all(segments):
        shown = "/".join("{empty}" if not s else str(s) for s in segments)
        raise ValueError(f"{method} /{shown}: a path value is empty (the request was not sent)")
    return "/" + "/".join(segment(s) for s in segments)


@dataclass(frozen=True)
class Send(Generic[T_co]):
    """One request of a `_call_each`: its answer is read by `handler`."""

    method: str
    segments: tuple[str, ...]
    handler: Handler[T_co]
    json: Any = None


class Resource:
    """A group of operations of the blocking `Client`; `AsyncResource` is its asyncio twin."""

    def __init__(self, transport: SyncTransport) -> None:
        self._transport = transport

    @overload
    def _call(self, method: str, *segments: str, into: type[T], params: Params = None, json: Any = None) -> T: ...
    @overload
    def _call(self, method: str, *segments: str, handler: Handler[T], params: Params = None, json: Any = None) -> T: ...
    @overload
    def _call(self, method: str, *segments: str, params: Params = None, json: Any = None) -> None: ...
    def _call(
        self,
        method: str,
        *segments: str,
        into: Any = None,
        params: Params = None,
        json: Any = None,
        handler: Handler[Any] | None = None,
    ) -> Any:
        """Send one request: `into` is the type of the decoded answer (None: no body), or `handler` reads it."""
        url = path(method, segments)
        return self._transport.request(method, url, into=into, params=params, json=json, handler=handler)

    def _call_each(self, sends: Sequence[Send[T]], concurrency: int) -> list[T | IQualifyError]:
        """Send independent requests, at most `concurrency` at a time; each one's answer or API error, in order."""

        def one(send: Send[T]) -> T | IQualifyError:
            try:
                return self._call(send.method, *send.segments, json=send.json, handler=send.handler)
            except IQualifyError as error:
                return error

        if concurrency <= 1 or len(sends) <= 1:
            return [one(send) for send in sends]
        with ThreadPoolExecutor(max_workers=min(concurrency, len(sends)), thread_name_prefix="openqualify") as pool:
            return list(pool.map(one, sends))


class AsyncResource:
    """A group of operations of `AsyncClient` (the generated twins in `_async.py` derive from it)."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    @overload
    async def _call(self, method: str, *segments: str, into: type[T], params: Params = None, json: Any = None) -> T: ...
    @overload
    async def _call(
        self, method: str, *segments: str, handler: Handler[T], params: Params = None, json: Any = None
    ) -> T: ...
    @overload
    async def _call(self, method: str, *segments: str, params: Params = None, json: Any = None) -> None: ...
    async def _call(
        self,
        method: str,
        *segments: str,
        into: Any = None,
        params: Params = None,
        json: Any = None,
        handler: Handler[Any] | None = None,
    ) -> Any:
        """Send one request: `into` is the type of the decoded answer (None: no body), or `handler` reads it."""
        url = path(method, segments)
        return await self._transport.request(method, url, into=into, params=params, json=json, handler=handler)

    async def _call_each(self, sends: Sequence[Send[T]], concurrency: int) -> list[T | IQualifyError]:
        """Send independent requests, at most `concurrency` at a time; each one's answer or API error, in order."""
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(send: Send[T]) -> T | IQualifyError:
            async with gate:
                try:
                    return await self._call(send.method, *send.segments, json=send.json, handler=send.handler)
                except IQualifyError as error:
                    return error

        return list(await asyncio.gather(*(one(send) for send in sends)))
