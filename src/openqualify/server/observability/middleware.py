"""The outermost layer: the request id, the HTTP metrics and `GET /metrics`; and the innermost, which names the route.

`ObservabilityMiddleware` wraps every other layer (CORS included), so every answer carries `X-Request-Id`:
the application's, the request layer's refusals (400, 401, 413, 429), CORS preflights, 500s. It sets the
request's id in a context variable for the log lines written while the request is served (`observability.logs`), counts
the request once its answer is complete (by route template, method and status class), and, when traces are on,
puts the request id and the operation on FastAPI's server span.

`RouteRecorderMiddleware` sits right above the router, where the matched route is known: it hands the route's
template to the outer layer through the request's state when the answer starts. A request the router never saw
(refused by the request layer) is matched against the routes once, then; one no route matches is `unmatched`.

`GET /metrics` is answered here, before anything else runs (no authentication, rate limit, access log or
journal): on the API's port when `OPENQUALIFY_METRICS=on`, or on a port of its own (`OPENQUALIFY_METRICS=9464`),
where nothing else is served.
"""

from __future__ import annotations

import time
from typing import Any

from opentelemetry import trace
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openqualify.server.middleware.asgi import send_error
from openqualify.server.middleware.security_headers import is_api_path, with_api_headers
from openqualify.server.observability import metrics, tracing
from openqualify.server.observability.exposition import scrape
from openqualify.server.observability.requestid import HEADER, from_headers, new_request_id, request_id

ROUTE_KEY = "openqualify.route"
METRICS_PATH = "/metrics"


class RouteRecorderMiddleware:
    """Puts the matched route's template in the request's state as the answer starts (innermost layer)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope["state"]

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                route = scope.get("route")  # set on this scope by the router when a route matched
                path_format = getattr(route, "path_format", None)
                if path_format is not None:
                    state[ROUTE_KEY] = path_format
            await send(message)

        await self.app(scope, receive, recording_send)


def route_of(scope: Scope) -> str:
    """The route template a request was routed to or, for one the router never saw, would have been."""
    found = scope["state"].get(ROUTE_KEY)
    if found is not None:
        return str(found)
    app = scope.get("app")
    partial: str | None = None  # as the router does: a full match first, else the first partial (a 405)
    for route in getattr(getattr(app, "router", None), "routes", ()):
        match, child = route.matches(scope)
        if match is Match.NONE:
            continue
        path_format = getattr(child.get("route", route), "path_format", None)
        if path_format is None:
            continue
        if match is Match.FULL:
            return str(path_format)
        partial = partial or str(path_format)
    return partial or metrics.UNMATCHED_ROUTE


class MetricsEndpoint:
    """`GET /metrics` on the API's port (`port` None) or every request of the metrics port."""

    def __init__(self, port: int | None) -> None:
        self.port = port

    def handles(self, scope: Scope) -> bool:
        if self.port is None:
            return bool(scope["path"] == METRICS_PATH)
        server = scope.get("server")
        return server is not None and server[1] == self.port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] != METRICS_PATH:
            await send_error(send, 404, "RouteNotFoundError", "Invalid path.")
            return
        if scope["method"] not in ("GET", "HEAD"):
            details = f"The method {scope['method']} is not allowed on this path; allowed: GET."
            await send_error(send, 405, "RouteNotFoundError", details, {"Allow": "GET"})
            return
        accept = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"accept"), None)
        body, content_type = await scrape(accept)
        headers = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


class ObservabilityMiddleware:
    """`api_headers`: this layer also adds the API's security headers (`middleware.security_headers`) to the API's
    answers, in the same pass as the request id; for an application without CORS, where that layer would come
    right inside this one."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        count: bool,
        endpoint: MetricsEndpoint | None = None,
        traced: bool = False,
        api_headers: bool = False,
    ) -> None:
        self.app = app
        self.count = count  # HTTP metrics on
        self.endpoint = endpoint
        self.traced = traced
        self.api_headers = api_headers
        # (route, method, status class) -> its counter and histogram series, made once each (bounded: the routes)
        self._series: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.endpoint is not None and self.endpoint.handles(scope):
            await self.endpoint(scope, receive, send)
            return
        rid = from_headers(scope["headers"]) or new_request_id()
        token = request_id.set(rid)
        id_header = (HEADER, rid.encode("ascii"))
        api = self.api_headers and is_api_path(scope["path"])
        if not self.count and not self.traced:  # the request id alone
            await self._with_id(scope, receive, send, id_header, token, api)
            return
        if "state" not in scope:
            scope["state"] = {}
        span = trace.get_current_span() if self.traced else None
        if span is not None and span.is_recording():
            tracing.annotate_server_span(span, rid, scope.get("query_string", b""))
        else:
            span = None
        count = self.count
        started = time.perf_counter()
        status = 0
        route = ""
        if count:
            metrics.HTTP_IN_FLIGHT.inc()

        async def observing_send(message: Message) -> None:
            nonlocal status, route
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", ())
                message = {**message, "headers": [*(with_api_headers(headers) if api else headers), id_header]}
                if count or span is not None:
                    routed = ROUTE_KEY in scope["state"]
                    route = route_of(scope)
                    if span is not None:
                        tracing.name_server_span(span, scope["method"], route, rename=not routed)
            await send(message)

        failed = False
        try:
            await self.app(scope, receive, observing_send)
        except BaseException:
            failed = True
            raise
        finally:
            request_id.reset(token)
            if count:
                metrics.HTTP_IN_FLIGHT.dec()
                if status or failed:  # else the client went away before any answer: nothing was answered
                    self._observe(route or route_of(scope), scope["method"], status or 500, started)

    async def _with_id(
        self, scope: Scope, receive: Receive, send: Send, id_header: Any, token: Any, api: bool
    ) -> None:
        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                message = {**message, "headers": [*(with_api_headers(headers) if api else headers), id_header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)

    def _observe(self, route: str, method: str, status: int, started: float) -> None:
        key = (route, metrics.method_label(method), metrics.STATUS_CLASSES[min(max(status // 100, 1), 5) - 1])
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                metrics.HTTP_REQUESTS.labels(*key),
                metrics.HTTP_DURATION.labels(key[0], key[1]),
            )
        series[0].inc()
        series[1].observe(time.perf_counter() - started)
