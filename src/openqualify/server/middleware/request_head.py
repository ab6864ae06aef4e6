"""The request's first layer inside the journal and the faults: what used to be four layers, in their order, in one.

1. A failure no exception handler answered, raised before the answer started, is answered here without raising
   (`errors.answer_unexpected`: 500 `ServerError`, 503 for the database's temporary failures), so the client's
   connection stays open;
2. an empty query value counts as absent (`empty_query_values`);
3. an encoded slash stays inside its path segment (`encoded_slash`);
4. the URL and the body are held to their caps (`request_caps`), on the query as step 2 left it.

One layer instead of four: each layer is a call per request and, for the first, a `send` wrapper per message;
what they do is unchanged.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openqualify.server.middleware.empty_query_values import without_empty_values
from openqualify.server.middleware.encoded_slash import keeping_encoded_slashes
from openqualify.server.middleware.errors import answer_unexpected
from openqualify.server.middleware.request_caps import RequestCaps


class RequestHeadMiddleware:
    def __init__(self, app: ASGIApp, *, caps: RequestCaps) -> None:
        self.app = app
        self.caps = caps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            query: bytes = scope.get("query_string", b"")
            if query and (cleaned := without_empty_values(query)) != query:
                scope = {**scope, "query_string": cleaned}
            if (path := keeping_encoded_slashes(scope.get("raw_path"))) is not None:
                scope = {**scope, "path": path}
            admitted = await self.caps.admit(scope, receive, tracking_send)
            if admitted is not None:
                await self.app(scope, admitted, tracking_send)
        except Exception as exc:
            if started:
                raise
            await answer_unexpected(scope, exc, send)
