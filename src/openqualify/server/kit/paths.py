"""Encoded slashes in path values: `/course-mappings/o1/BUS%2F101` names the external id `BUS/101`.

ASGI servers hand the router a decoded path, where `BUS%2F101` has become two segments and no route
matches. `EncodedSlashMiddleware` re-decodes the raw path keeping each encoded slash as a private-use
character, so it stays inside its segment; `restore_slashes` turns it back into `/` in the matched values.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

SLASH_STANDIN = "\ue000"


def restore_slashes(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v.replace(SLASH_STANDIN, "/") if isinstance(v, str) else v for k, v in params.items()}


class EncodedSlashMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw: bytes | None = scope.get("raw_path")
            if raw and (b"%2F" in raw or b"%2f" in raw):
                text = raw.decode("latin-1").replace("%2F", SLASH_STANDIN).replace("%2f", SLASH_STANDIN)
                scope = {**scope, "path": unquote(text)}
        await self.app(scope, receive, send)


def without_empty_values(query: bytes) -> bytes:
    """`days=&$top=5` -> `$top=5`: a query parameter without a value is no parameter (issue 18)."""
    if not query:
        return query
    kept = [pair for pair in query.split(b"&") if pair.partition(b"=")[2]]
    return b"&".join(kept)


class EmptyQueryValuesMiddleware:
    """An empty query value counts as absent, for every route at once: `?days=` (which some clients send for
    every optional field left blank) means what no `days` means, as an empty `$filter=` always did."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query: bytes = scope.get("query_string", b"")
            if query and (cleaned := without_empty_values(query)) != query:
                scope = {**scope, "query_string": cleaned}
        await self.app(scope, receive, send)
