"""The read lane: a request for a read route goes from the innermost layer straight to the route.

Below the application's own layers, Starlette and FastAPI put three more between a request and its route: the
exception layer (the application's handlers for failures, in the scope; a `Request` made and a `send` wrapper, to
answer a failure the route raised), FastAPI's exit stack (for files a request's body opened) and the router
(matching, then the route's method check). For a read route (`kit.reads`), each does nothing the route does not
already do: the route answers its failures with the same handlers (`kit.reads.read_route_app`), reads no body,
and the route is found by the same index the router uses (`kit.route_index`). So a `GET` or `HEAD` whose route
the index finds, matched in full, to be a read route runs that route here, with the scope the router would have
given it (the handlers the exception layer sets, the router, the matched route and its path values); a failure
no handler answers goes on outwards as it would have. Every other request takes the usual way.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from openqualify.server.kit.route_index import IndexedRouter
from openqualify.server.kit.routing import ApiRoute

_READ_METHODS = ("GET", "HEAD")


class ReadLaneMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._handlers: Any = None  # the exception layer's (class handlers, status handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _READ_METHODS:
            router = scope["app"].router
            lane = router.middleware_stack
            if isinstance(lane, IndexedRouter) and (found := lane.full_match(scope)) is not None:
                route, child_scope = found
                if isinstance(route, ApiRoute) and route.is_read:
                    scope["starlette.exception_handlers"] = self._handlers or self._find_handlers(scope)
                    if "router" not in scope:
                        scope["router"] = router
                    scope.update(child_scope)
                    await route.app(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def _find_handlers(self, scope: Scope) -> Any:
        """The exception layer's handlers, as it puts them in the scope (the same dictionaries)."""
        layer = self.app
        while not isinstance(layer, ExceptionMiddleware):
            layer = layer.app  # type: ignore[attr-defined]
        self._handlers = (layer._exception_handlers, layer._status_handlers)
        return self._handlers
