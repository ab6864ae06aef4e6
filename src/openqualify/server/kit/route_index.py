"""Route matching by an index: a request is matched against the few routes its path can match, not every route.

Starlette's router tries each route's regular expression in order until one matches in full (about 120 routes in
production, 150 in the sandbox): the routes of a path that comes late paid for every one before it. The index
keeps Starlette's semantics exactly, since it only leaves out routes that cannot match:

- a route's path template says which paths it can match: how many `/`-separated segments, and which of them are
  fixed text (`/v1/offerings/{offeringId}`: three segments after the first `/`, `v1` and `offerings` fixed); a
  mount's, the paths below its fixed prefix. The routes a path can match are those whose template agrees with it
  in number of segments and in every fixed segment, plus every route the index cannot describe (included routers,
  `{name:path}` parameters, other kinds of route), which are always tried; in the router's order;
- the first of them that matches in full handles the request, the route the router's scan would have chosen (the
  routes left out cannot match). When none does, the router's own scan runs, so partial matches (405 with
  `Allow`), redirects of a trailing slash, FastAPI's low-priority routes and 404 are exactly Starlette's and
  FastAPI's; so is a path the index does not describe (with a line feed, which a regular expression's `$`
  matches before; not starting with `/`), and a request FastAPI's own telemetry follows (it names the route as
  the router matches it).

A Route subclass must match by its template, as Starlette's, FastAPI's and `kit.routing.ApiRoute` do. The
candidates of a path's shape (its segments, each either a fixed text some route has or "other") are worked out
once and kept, up to `MAX_SHAPES` shapes no longer than the longest template; the index is rebuilt when the
router's list of routes changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRouter
from starlette.convertors import FloatConvertor, IntegerConvertor, StringConvertor, UUIDConvertor
from starlette.routing import Match, Mount, Route
from starlette.types import Receive, Scope, Send

MAX_SHAPES = 4096  # path shapes whose candidates are kept (bounded: a client chooses its paths)
_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}")
_WITHIN_A_SEGMENT = (StringConvertor, IntegerConvertor, FloatConvertor, UUIDConvertor)  # never match a `/`
_OTHER = "\x00other"  # a segment that is no route's fixed text (NUL: never a segment of a path the router sees)


@dataclass(frozen=True, slots=True)
class Template:
    """The paths a route can match: `segments` of `path.split("/")` (at least that many when `below`), each a
    fixed text or None (a parameter is in it)."""

    segments: tuple[str | None, ...]
    below: bool  # a mount: its prefix, then anything

    def admits(self, shape: tuple[str, ...]) -> bool:
        count = len(self.segments)
        if len(shape) < count if self.below else len(shape) != count:
            return False
        return all(text is None or text == part for text, part in zip(self.segments, shape, strict=False))


def template_of(route: Any) -> Template | None:
    """The template of a route, or None when the index cannot say (the route is tried for every path)."""
    if isinstance(route, Route):
        path: str = route.path
        convertors = route.param_convertors
        below = False
    elif isinstance(route, Mount):
        path = route.path  # without its trailing `/`; it matches `path/...` (`{path:path}` below it)
        convertors = {k: v for k, v in route.param_convertors.items() if k != "path"}
        below = True
        if not path:
            return None  # a mount at the root: every path
    else:
        return None
    if not path.startswith("/"):
        return None
    if any(not isinstance(convertor, _WITHIN_A_SEGMENT) for convertor in convertors.values()):
        return None  # `{name:path}` (or a convertor of the app's own) may span segments
    fixed: list[str | None] = [None if _PARAM.search(segment) else segment for segment in path.split("/")]
    if below:
        fixed.append(None)  # the mount's `/`, then one segment at least, of any text
    return Template(tuple(fixed), below)


class RouteIndex:
    """The routes each path can match, in the router's order (see the module's docstring)."""

    def __init__(self, routes: list[Any], version: int) -> None:
        self.routes = routes
        self.version = version
        self._templates = [template_of(route) for route in routes]
        self._known = frozenset(
            text
            for template in self._templates
            if template is not None
            for text in template.segments
            if text is not None
        )
        # Shapes longer than every template are not kept (a client could send many, each as long as its URL cap)
        self._longest = max((len(template.segments) for template in self._templates if template), default=0)
        self._candidates: dict[tuple[str, ...], list[Any]] = {}

    def candidates(self, path: str) -> list[Any] | None:
        """The routes `path` can match, in order; None for a path the index does not describe."""
        if not path.startswith("/") or "\n" in path:
            return None
        known = self._known
        shape = tuple([part if part in known else _OTHER for part in path.split("/")])
        found = self._candidates.get(shape)
        if found is None:
            found = self._build(shape)
            if len(self._candidates) < MAX_SHAPES and len(shape) <= self._longest:
                self._candidates[shape] = found
        return found

    def _build(self, shape: tuple[str, ...]) -> list[Any]:
        return [
            route
            for route, template in zip(self.routes, self._templates, strict=True)
            if template is None or template.admits(shape)
        ]


class WatchedRoutes(list[Any]):
    """The router's list of routes, counting its changes (the index is rebuilt after one)."""

    version = 0


def _counting(name: str) -> Any:
    method = getattr(list, name)

    def changing(self: WatchedRoutes, *args: Any) -> Any:
        self.version += 1
        return method(self, *args)

    changing.__name__ = name
    return changing


for _name in (
    "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "__setitem__", "__delitem__",
    "__iadd__", "__imul__",
):
    setattr(WatchedRoutes, _name, _counting(_name))


class IndexedRouter:
    """The application router's entry (`Router.middleware_stack`): the route found through the index, else the
    router's own scan."""

    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self.scan = router.app  # the router's own matching: partial matches, redirects, low priority, 404
        self.index: RouteIndex | None = None

    def current_index(self) -> RouteIndex:
        routes = self.router.routes
        index = self.index
        if index is None or index.routes is not routes or index.version != getattr(routes, "version", -1):
            watched = routes if isinstance(routes, WatchedRoutes) else WatchedRoutes(routes)
            self.router.routes = watched  # a list put in the router's hands is watched from now on
            index = self.index = RouteIndex(watched, watched.version)
        return index

    def full_match(self, scope: Scope) -> tuple[Any, Scope] | None:
        """The route that matches an HTTP request in full and its child scope, as the router's scan would find
        it; None when the index cannot say (the scan decides)."""
        if "fastapi.telemetry" in scope:
            return None
        candidates = self.current_index().candidates(_route_path(scope))
        if candidates is not None:
            for route in candidates:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    return route, child_scope
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (found := self.full_match(scope)) is not None:
            route, child_scope = found
            if "router" not in scope:
                scope["router"] = self.router
            scope.update(child_scope)
            await route.handle(scope, receive, send)
            return
        await self.scan(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path the routes match: Starlette's `get_route_path` (the path below the root path)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if path == root_path:
        return ""
    if path[len(root_path)] == "/":
        return path[len(root_path) :]
    return path


def install(router: APIRouter) -> None:
    """Route the application's requests through the index."""
    router.middleware_stack = IndexedRouter(router)
