"""Security headers on the API's answers and the interactive docs (issue 19.11).

Every answer of `/v1` and `/_sandbox` says `X-Content-Type-Options: nosniff` (a JSON body is never sniffed into
something a browser runs) and `Cache-Control: no-store` (organisation data stays out of shared and browser
caches). The docs page gets a Content-Security-Policy that allows its own scripts only (the page's one inline
script by its hash), and may not be framed (`frame-ancestors 'none'`, `X-Frame-Options: DENY`). The console sets
its own headers (decision C6).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIXES = ("/v1", "/_sandbox")
API_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store"))
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def docs_headers(html: str) -> dict[str, str]:
    """The headers of a docs page: its inline scripts allowed by hash, nothing else from elsewhere."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    policy = (
        "default-src 'none'; "
        f"script-src 'self' {hashes}; "
        "style-src 'self' 'unsafe-inline'; "  # Swagger UI sets style attributes from its script
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def with_api_headers(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """An API answer's headers with those of `API_HEADERS` it does not set itself."""
    headers = list(headers)
    present = {name.lower() for name, _ in headers}
    return headers + [(name, value) for name, value in API_HEADERS if name not in present]


class ApiSecurityHeadersMiddleware:
    """The API's headers, as a layer of its own: where CORS is on, inside it, so that its preflight answers stay
    as CORS makes them. Without CORS the request-id layer adds them (`observability.middleware`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_api_path(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_api_headers(message.get("headers", []))}
            await send(message)

        await self.app(scope, receive, with_headers)
