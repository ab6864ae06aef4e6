"""Encoded slashes in path values: `/course-mappings/o1/BUS%2F101` names the external id `BUS/101`.

ASGI servers hand the router a decoded path, where `BUS%2F101` has become two segments and no route
matches. `EncodedSlashMiddleware` re-decodes the raw path keeping each encoded slash as a private-use
character, so it stays inside its segment; `kit.routing.restore_slashes` turns it back into `/` in the matched
values.
"""

from __future__ import annotations

from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

from openqualify.server.kit.routing import SLASH_STANDIN


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
