"""The route index (`kit.route_index`): a request tries only the routes its path can match, and gets the route
Starlette's scan of every route would have given it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.routing import Match, Mount, Route

from openqualify.server.app import create_app
from openqualify.server.config import Mode, Settings
from openqualify.server.kit.route_index import IndexedRouter, RouteIndex
from openqualify.server.kit.routing import SLASH_STANDIN, api_router
from tests.fixtures.api import Api, error_name

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
VALUES = ("x", "42", "a.b", "BUS" + SLASH_STANDIN + "101", "all", "current", "", "%", "\x00other", "é")


@cache
def _app(mode: Mode) -> FastAPI:
    return create_app(Settings(database_url="sqlite:///:memory:", mode=mode))


def _scope(path: str, method: str) -> dict[str, Any]:
    return {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}


def _matching(routes: list[Any], path: str, method: str) -> list[tuple[Any, Match]]:
    found = []
    for route in routes:
        match, _ = route.matches(_scope(path, method))
        if match is not Match.NONE:
            found.append((route, match))
    return found


def _first_full(found: list[tuple[Any, Match]]) -> Any:
    return next((route for route, match in found if match is Match.FULL), None)


def _check(app: FastAPI, index: RouteIndex, path: str) -> None:
    """Every route that matches `path` at all is a candidate; the first full match among the candidates is the
    scan's (for every method)."""
    candidates = index.candidates(path)
    if candidates is None:
        return  # the router's own scan serves this path
    for method in METHODS:
        everywhere = _matching(app.router.routes, path, method)
        assert [route for route, _ in everywhere if route not in candidates] == [], (path, method)
        assert _first_full(_matching(candidates, path, method)) is _first_full(everywhere), (path, method)


def _paths_of(route: Any) -> Iterator[str]:
    """Paths near a route's template: its parameters filled in, a trailing `/`, a segment more or less."""
    template = route.path if isinstance(route, Route) else route.path + "/{rest}"
    for value in VALUES:
        path = re.sub(r"{[^}]+}", value or "v", template)
        yield from (path, path + "/", path + "/x", path.rsplit("/", 1)[0], path + "\n")


@pytest.mark.parametrize("mode", [Mode.PRODUCTION, Mode.SANDBOX])
def test_every_route_is_found_as_the_scan_finds_it(mode: Mode) -> None:
    app = _app(mode)
    index = RouteIndex(app.router.routes, 0)
    routes = [route for route in app.router.routes if isinstance(route, Route | Mount)]
    assert len(routes) > 100
    for route in routes:
        for path in _paths_of(route):
            _check(app, index, path)
    for path in ("/", "", "/v1", "/v1/", "/v1//org", "//v1/org", "/_static", "/_static/", "/console/static/a/b.css"):
        _check(app, index, path)


@cache
def _segments() -> list[str]:
    known = {part for route in _app(Mode.SANDBOX).router.routes for part in getattr(route, "path", "").split("/")}
    return sorted(known | set(VALUES))


@given(st.lists(st.sampled_from(_segments()), min_size=1, max_size=7))
@settings(max_examples=300, deadline=None)
def test_any_path_of_the_routes_words_is_found_as_the_scan_finds_it(segments: list[str]) -> None:
    app = _app(Mode.SANDBOX)
    _check(app, RouteIndex(app.router.routes, 0), "/" + "/".join(segments))


def test_a_path_tries_only_the_routes_it_can_match() -> None:
    index = RouteIndex(_app(Mode.PRODUCTION).router.routes, 0)
    candidates = index.candidates("/v1/offerings/o-1")
    assert candidates is not None
    assert [(route.path, sorted(route.methods)) for route in candidates] == [
        ("/v1/offerings/{offeringId}", ["GET"]),
        ("/v1/offerings/{offeringId}", ["PATCH"]),
    ]
    candidates = index.candidates("/console/static/app.css")
    assert candidates is not None
    assert [route.path for route in candidates] == ["/console/static"]
    assert index.candidates("/v1/org\n") is None  # `$` matches before a final line feed: the scan decides


def test_the_answers_the_scan_gives_are_kept(api: Api) -> None:
    http = api.http
    auth = {"Authorization": f"Bearer {api.token}"}
    assert isinstance(http.app.router.middleware_stack, IndexedRouter)  # type: ignore[attr-defined]
    response = http.delete("/v1/offerings/o-1", headers=auth)  # partial matches
    assert (response.status_code, response.headers["Allow"]) == (405, "GET, PATCH")
    response = http.get("/v1/org/", headers=auth, follow_redirects=False)  # the trailing slash
    assert (response.status_code, response.headers["location"]) == (307, "http://testserver/v1/org")
    response = http.get("/v1/nothing-here", headers=auth)
    assert (response.status_code, error_name(response)) == (404, "RouteNotFoundError")
    assert http.get("/_static/swagger-ui.css").status_code == 200  # a mount
    assert http.get("/docs").status_code == 200
    assert http.get("/health").json() == {"status": "ok"}
    assert api.get("/offerings/current").status_code == 200  # a fixed segment before `{offeringId}`


def test_routes_added_later_are_found(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url))
    with TestClient(app) as client:
        assert client.get("/test-only/late").status_code == 404  # the index is built
        router = api_router(tags=["test"], prefix="/test-only")

        @router.get("/late")
        async def late() -> dict[str, str]:
            return {"late": "yes"}

        app.router.routes.extend(router.routes)
        assert client.get("/test-only/late").status_code == 401  # found: its token is checked


def test_the_shapes_kept_are_bounded() -> None:
    """A client chooses its paths: the shapes whose candidates are kept are few and short, whatever it sends."""
    from openqualify.server.kit import route_index

    index = RouteIndex(_app(Mode.PRODUCTION).router.routes, 0)
    for length in range(1, 300):  # as long as a URL may be: found, never kept
        assert index.candidates("/x" * length) is not None
    for n in range(50):
        index.candidates(f"/v1/offerings/o-{n}" + "/x" * (n % 3))
    kept = index._candidates
    assert len(kept) <= route_index.MAX_SHAPES
    assert max(len(shape) for shape in kept) <= index._longest
