"""Router defaults shared by every resource."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from openqualify.server.kit.paths import SLASH_STANDIN, restore_slashes

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad request: `{name, details}`"},
    401: {"description": "NotAuthorizedError"},
    403: {"description": "AccessDeniedError"},
    404: {"description": "ObjectNotFoundError"},
}


class ApiRoute(APIRoute):
    """Absent values are omitted, never sent as null: the contract's schemas do not allow null."""

    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        kwargs["response_model_exclude_none"] = True
        super().__init__(path, endpoint, **kwargs)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is Match.NONE:
            return match, child
        params = child.get("path_params")
        if params and any(isinstance(v, str) and SLASH_STANDIN in v for v in params.values()):
            child = {**child, "path_params": restore_slashes(params)}
        return match, child


API_PREFIX = "/v1"


def api_router(*, tags: list[str], prefix: str = API_PREFIX, **kwargs: Any) -> APIRouter:
    """A resource's router; its routes carry their full path (the app adds them as they are)."""
    return APIRouter(route_class=ApiRoute, tags=tags, prefix=prefix, responses=ERROR_RESPONSES, **kwargs)
