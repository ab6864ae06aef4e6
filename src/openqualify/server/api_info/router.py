"""`GET /`: the endpoints this server offers, by name, as absolute URLs."""

from __future__ import annotations

from fastapi import Request
from fastapi.routing import APIRoute

from openqualify.server.kit.deps import PrincipalDep
from openqualify.server.kit.routing import API_PREFIX, api_router

router = api_router(tags=["API info"])
MAX_CACHED_BASES = 16


def endpoint_map(request: Request) -> dict[str, str]:
    """`"<METHOD> <path>" -> URL` for every public API route, built once per application and base URL."""
    base = request.app.state.settings.api_base_url(request.url.scheme, request.scope.get("server"))
    maps: dict[str, dict[str, str]] = request.app.state.endpoint_maps
    if (cached := maps.get(base)) is not None:
        return cached
    endpoints: dict[str, str] = {}
    for route in request.app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        if not route.path.startswith(API_PREFIX + "/") or route.path == API_PREFIX + "/":
            continue
        path = route.path[len(API_PREFIX) :]
        for method in sorted(route.methods or ()):
            endpoints[f"{method} {path}"] = base + path
    if len(maps) < MAX_CACHED_BASES:  # one per address the server is bound to, or the configured one
        maps[base] = endpoints
    return endpoints


@router.get("/", response_model=dict[str, str])
async def api_info(principal: PrincipalDep, request: Request) -> dict[str, str]:
    return endpoint_map(request)
