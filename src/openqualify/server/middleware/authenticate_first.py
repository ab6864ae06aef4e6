"""401/403 before the body is read (decision 8, issue 19.9): the token of every request to the API's prefixes is
checked first; the principal found is the request's (`kit.auth.authenticate` returns it without a second lookup)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Executable
from starlette.types import ASGIApp, Receive, Scope, Send

from openqualify.server.kit.auth import REQUEST_PRINCIPAL, PrincipalCache, authenticate
from openqualify.server.kit.errors import ApiError
from openqualify.server.middleware.asgi import send_error

RunFirst = Callable[[Scope, Executable, dict[str, Any]], Awaitable[Any]]
"""Runs a statement for a request's application (its reader or engine) and returns the first row."""


class AuthenticateFirstMiddleware:
    """401/403 for a request to `prefixes` before its body is read; the principal found serves the request."""

    def __init__(self, app: ASGIApp, *, prefixes: tuple[str, ...], cache: PrincipalCache, run_first: RunFirst) -> None:
        self.app = app
        self.prefixes = prefixes
        self.cache = cache
        self.run_first = run_first

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "OPTIONS" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value.decode("latin-1")
                break

        async def first(statement: Executable, params: dict[str, Any]) -> Any:
            return await self.run_first(scope, statement, params)

        try:
            principal = await authenticate(first, header, self.cache)
        except ApiError as error:  # 401 or 403
            await send_error(send, error.status_code, error.name, error.details)
            return
        scope.setdefault("state", {})["org_id"] = principal.org_id  # for the access log and the journal
        token = REQUEST_PRINCIPAL.set((header, principal))
        try:
            await self.app(scope, receive, send)
        finally:
            REQUEST_PRINCIPAL.reset(token)
