"""`GET /`: the endpoints this server offers, by name, as absolute URLs."""

from __future__ import annotations

from fastapi import Request
from fastapi.routing import APIRoute

from openqualify.server.kit.deps import PrincipalDep
from openqualify.server.kit.routing import API_PREFIX, api_router

router = api_router(tags=["API info"])


def endpoint_map(request: Request) -> dict[str, str]:
    """`"<METHOD> <path>" -> URL` for every public API route, built once per application."""
    cached: dict[str, str] | None = getattr(request.app.state, "endpoint_map", None)
    if cached is not None:
        return cached
    base = request.app.state.settings.public_base_url.rstrip("/")
    endpoints: dict[str, str] = {}
    for route in request.app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        if not route.path.startswith(API_PREFIX + "/") or route.path == API_PREFIX + "/":
            continue
        path = route.path[len(API_PREFIX) :]
        for method in sorted(route.methods):
            endpoints[f"{method} {path}"] = base + path
    request.app.state.endpoint_map = endpoints
    return endpoints


@router.get("/", response_model=dict[str, str])
async def api_info(principal: PrincipalDep, request: Request) -> dict[str, str]:
    return endpoint_map(request)
