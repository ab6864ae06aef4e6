"""Router defaults shared by every resource: JSON parsing, input hygiene of paths and queries, null-free output."""

from __future__ import annotations

import email.message
from collections.abc import Awaitable, Callable, Coroutine
from enum import Enum
from typing import Any, TypeVar

import orjson
from fastapi import APIRouter, Depends, Request, Response
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from openqualify.server.kit.deps import PrincipalDep
from openqualify.server.kit.jsonbody import fail_fast_validator, parse_json
from openqualify.server.kit.listcache import cached_list
from openqualify.server.kit.reads import READ_ROUTE, ReadParams, read_handler, read_route, read_route_app
from openqualify.server.kit.validation import refuse_nul

# An encoded slash of the raw path (`BUS%2F101`), kept inside its segment by `middleware.encoded_slash`.
SLASH_STANDIN = "\ue000"


def restore_slashes(params: dict[str, Any]) -> dict[str, Any]:
    """The matched path values with their encoded slashes back as `/`."""
    return {k: v.replace(SLASH_STANDIN, "/") if isinstance(v, str) else v for k, v in params.items()}


def is_json_content_type(value: str | None) -> bool:
    """`application/json` or `application/<x>+json`, as FastAPI decides whether to parse a body as JSON."""
    if not value:
        return False
    message = email.message.Message()
    message["content-type"] = value
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


class JsonRequest(Request):
    """Bodies parsed with bounds on their structure (`kit.jsonbody`), strict as orjson is (a lone surrogate such as
    `"\\ud800"` is a JSON error here, not a string the database cannot store)."""

    async def parse_json_body(self) -> None:
        """Parse a JSON body now, within the application's bounds (`app.state.body_limits`, per path)."""
        if hasattr(self, "_json") or not is_json_content_type(self.headers.get("content-type")):
            return
        body = await self.body()
        if body:
            state = self.app.state
            limits = state.body_limits_by_path.get(self.scope["path"], state.body_limits)
            self._json = await parse_json(body, limits)

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())  # orjson.JSONDecodeError is a json.JSONDecodeError
        return self._json


class FirstErrorAdapter:
    """Stands in for a body field's pydantic `TypeAdapter`: validates with `kit.jsonbody.first_error_validator`,
    so a body with a thousand wrong keys costs one error, not a thousand (issue 19.1); everything else is the
    adapter's."""

    def __init__(self, adapter: Any) -> None:
        self._adapter = adapter
        self._validator = fail_fast_validator(adapter.core_schema)

    def validate_python(self, value: Any, **kwargs: Any) -> Any:
        return self._validator.validate_python(value, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._adapter, name)


def validate_first_error_only(field: Any) -> None:
    """Make a FastAPI body field (`ModelField`) validate up to its first error."""
    adapter = getattr(field, "_type_adapter", None)
    if adapter is not None and not isinstance(adapter, FirstErrorAdapter):
        field._type_adapter = FirstErrorAdapter(adapter)


async def authenticated_and_clean(request: Request, principal: PrincipalDep) -> None:
    """Every route of `api_router`: the token is checked first (401 before any 400), then NUL in a path or query
    value is a schema error (PostgreSQL cannot store or compare it). The principal is resolved once per request,
    so the route's own `PrincipalDep` is this one."""
    refuse_nul(request.path_params, request.query_params.multi_items())


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad request: `{name, details}`"},
    401: {"description": "NotAuthorizedError"},
    403: {"description": "AccessDeniedError"},
    404: {"description": "ObjectNotFoundError"},
}


class ApiRoute(APIRoute):
    """Absent values are omitted, never sent as null: the contract's schemas do not allow null."""

    _read_handler: Callable[[Request], Awaitable[Response]] | None = None  # a read route's (get_route_handler)

    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        kwargs["response_model_exclude_none"] = True
        super().__init__(path, endpoint, **kwargs)
        for field in self.dependant.body_params:
            validate_first_error_only(field)
        if self._read_handler is not None:  # a read route: without FastAPI's request_response (kit.reads)
            self.app = read_route_app(self._read_handler)

    @property
    def is_read(self) -> bool:
        """A route of the read path (`router.read`): its `app` is `kit.reads.read_route_app`."""
        return self._read_handler is not None

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        if getattr(self.endpoint, READ_ROUTE, False):
            # Checked here, as the route is registered: a signature the read path cannot serve is refused at once.
            params = ReadParams.of(self.dependant, self.endpoint, ignored={authenticated_and_clean})
            self._read_handler = read_handler(self.endpoint, self.response_model, params)
            return self._read_handler  # type: ignore[return-value]
        handler = super().get_route_handler()
        takes_json = bool(self.dependant.body_params)

        async def with_json_request(request: Request) -> Response:
            json_request = JsonRequest(request.scope, request.receive, request._send)
            if takes_json:
                await json_request.parse_json_body()  # bounded, before FastAPI would parse it whole
            return await handler(json_request)

        return with_json_request

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is Match.NONE:
            return match, child
        params = child.get("path_params")
        if params and any(isinstance(v, str) and SLASH_STANDIN in v for v in params.values()):
            child = {**child, "path_params": restore_slashes(params)}
        return match, child


E = TypeVar("E", bound=Callable[..., Any])


class ApiRouter(APIRouter):
    """A resource's router: FastAPI's, plus `read` for the routes of the read path."""

    def read(self, path: str, *, model: Any, cached: bool = False, **kwargs: Any) -> Callable[[E], E]:
        """Declare a read route: `GET path` answered with `model` (documented in OpenAPI; what the tests check
        the answers against), run by the read path (`kit.reads`: a `ReadContext` instead of FastAPI's dependency
        tree, the parameters validated as any route's). `cached`: a whole-offering list answered from the list
        cache while the organisation's data is unchanged (`kit.listcache`, decision 15e).

            @router.read("/offerings/{offeringId}/badges", model=schemas.BadgeOut)
            async def offering_badge(ctx: ReadContextDep, offeringId: str) -> schemas.BadgeOut: ...
        """

        def register(endpoint: E) -> E:
            read_route(endpoint)
            if cached:
                cached_list(endpoint)
            return self.get(path, response_model=model, **kwargs)(endpoint)

        return register


API_PREFIX = "/v1"


def api_router(*, tags: list[str | Enum], prefix: str = API_PREFIX, **kwargs: Any) -> ApiRouter:
    """A resource's router; its routes carry their full path (the app adds them as they are)."""
    dependencies = [Depends(authenticated_and_clean), *kwargs.pop("dependencies", [])]
    return ApiRouter(
        route_class=ApiRoute,
        tags=tags,
        prefix=prefix,
        responses=ERROR_RESPONSES,
        dependencies=dependencies,
        **kwargs,
    )
