"""An empty query value is no value: `?days=&$top=5` is served as `?$top=5` (issue 18)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


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
