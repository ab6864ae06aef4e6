"""The read path: GET routes run with one small context instead of FastAPI's dependency tree.

A route declared with `router.read(path, model=...)` (`kit.routing.ApiRouter`) is still an ordinary FastAPI route
for matching and OpenAPI (its signature and `model` document it), but `kit.routing.ApiRoute` runs it without
dependency resolution and without validating its answer a second time: its parameters are validated as FastAPI
would (`ReadParams`), and it gets a `ReadContext` (the authenticated principal, the read API, a read-only
organisation-bound session on demand). It returns either a `Response` (e.g. `JSONBytes` built from rows) or values
of its model, serialised once by pydantic. Resolving the dependency tree and re-validating the answer were most of
a small read's cost.

The read API (`Reads`: `rows`, `first`, `scalar`) is the same on `ReadContext` and on the unit of work's
repositories (`kit.repository.Repository`), over the same statements, registered once at import. Isolation stays
structural: they are built with `org_scope(...)`, which adds `org_id = :_tenant_org_id` for every
organisation-scoped table they read; both runners fill in that parameter; `tests/server/kit/test_reads.py` checks
every registered statement and compiles it for both databases.
"""

from __future__ import annotations

import inspect
from collections import namedtuple
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypeAlias, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter
from sqlalchemy import BindParameter, Executable, Row, and_, bindparam, event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.elements import ColumnElement
from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from openqualify.server.db.compiled import CompiledReader
from openqualify.server.db.engine import write_intent
from openqualify.server.kit.auth import Principal, authenticate
from openqualify.server.kit.listcache import CACHED_ROUTE, CURRENT_VERSION, ListCache
from openqualify.server.kit.tenancy import TENANT_PARAM, bind_org
from openqualify.server.kit.validation import refuse_nul

READ_ROUTE = "__openqualify_read_route__"
TENANT: BindParameter[Any] = bindparam(TENANT_PARAM)

E = TypeVar("E", bound=Callable[..., Awaitable[Any]])
S = TypeVar("S", bound=Executable)
AnyRow: TypeAlias = Row[*tuple[Any, ...]]
"""A row of any columns (SQLAlchemy 2.1's `Row` is generic in each of its columns' types)."""

# Every statement built for the read path, for the isolation test.
REGISTERED: list[Executable] = []


def org_scope(*tables: Any) -> ColumnElement[bool]:
    """`org_id = :_tenant_org_id` for each organisation-scoped table (or model) given."""
    return and_(*((getattr(t, "__table__", t)).c.org_id == TENANT for t in tables))


def registered(statement: S) -> S:
    """Record a read-path statement (built once, at import) so that the isolation test sees it."""
    REGISTERED.append(statement)
    return statement


class SideBySide:
    """Several tables' columns in one statement, and its rows split back into one row per table.

    For reads that join what would otherwise take a statement (a round trip) per table. `columns` labels every
    column `<table>__<column>` so that names never clash; `split(row)` gives one named tuple per table with the
    columns' own names, or None for a table an outer join did not match (its first primary-key column is NULL).
    """

    def __init__(self, *models: Any) -> None:
        self.columns: list[ColumnElement[Any]] = []
        self._parts: list[tuple[Callable[[Sequence[Any]], Any], int, int, int]] = []
        for model in models:
            table = getattr(model, "__table__", model)
            names = [column.name for column in table.c]
            start = len(self.columns)
            self.columns += [column.label(f"{table.name}__{column.name}") for column in table.c]
            key = start + names.index(next(iter(table.primary_key)).name)
            row_type: Any = namedtuple(table.name, names)  # type: ignore[misc]
            self._parts.append((row_type._make, start, start + len(names), key))

    def split(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(None if row[key] is None else make(row[start:end]) for make, start, end, key in self._parts)


class Reads(Protocol):
    """The one read API: the rows of a registered statement with its parameters, the organisation's filled in.

    `ReadContext` (the read path: straight through the driver) and `kit.repository.Repository` (a unit of work's
    session) both offer it, so a statement is written once, in its resource's repository, and a `read_*`
    function taking `Reads` serves both paths.
    """

    async def rows(self, statement: Executable, /, **params: Any) -> Sequence[AnyRow]: ...

    async def first(self, statement: Executable, /, **params: Any) -> AnyRow | None: ...

    async def scalar(self, statement: Executable, /, **params: Any) -> Any: ...


class ReadOnlySessionError(RuntimeError):
    """A programming error: a change (flush, INSERT, UPDATE, DELETE) on the read path's session. Reads take no
    write lock and do not raise the organisation's data version, so such a change would bypass both; writes
    belong to a unit of work (`kit.deps.SessionDep`)."""


class ReadOnlySession(Session):
    """The read path's ORM session (as polar's `AsyncReadSession`): it refuses to flush or to run a change."""


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySessionError("the read path's session cannot flush changes")


@event.listens_for(ReadOnlySession, "do_orm_execute")
def _refuse_changes(state: ORMExecuteState) -> None:
    if not state.is_select:
        raise ReadOnlySessionError("the read path's session cannot run INSERT, UPDATE or DELETE")


def read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions of the read path (`ReadContext.session`): read-only, on the read engine."""
    return async_sessionmaker(engine, sync_session_class=ReadOnlySession, expire_on_commit=False, autoflush=False)


class ReadContext:
    """What a read route gets: the principal, the request, and `Reads` of statements scoped to the principal."""

    __slots__ = ("_connection", "_reader", "_session", "_state", "principal", "request")

    def __init__(self, request: Request) -> None:
        self.request = request
        self._state = request.app.state  # the read engine and the sessionmaker are looked up when needed
        self._reader: CompiledReader = self._state.reader
        self._connection: AsyncConnection | None = None
        self._session: AsyncSession | None = None
        self.principal: Principal

    async def session(self) -> AsyncSession:
        """A read-only ORM session (`ReadOnlySession`) bound to the principal's organisation (`kit.tenancy`), for
        the services' repositories."""
        if self._session is None:
            write_intent.set(False)
            sessionmaker: async_sessionmaker[AsyncSession] = self._state.read_sessionmaker
            self._session = sessionmaker()
            bind_org(self._session.sync_session, self.principal.org_id)
        return self._session

    async def rows(self, statement: Executable, /, **params: Any) -> Sequence[AnyRow]:
        return await self._run(statement, {TENANT_PARAM: self.principal.org_id, **params})

    async def first(self, statement: Executable, /, **params: Any) -> AnyRow | None:
        found = await self._run(statement, {TENANT_PARAM: self.principal.org_id, **params})
        return found[0] if found else None

    async def scalar(self, statement: Executable, /, **params: Any) -> Any:
        found = await self.first(statement, **params)
        return None if found is None else found[0]

    async def _run(self, statement: Executable, params: dict[str, Any]) -> Sequence[Any]:
        """Straight through the driver (`db.compiled`) when the statement allows it, else through Core."""
        if (query := self._reader.compiled(statement)) is not None:
            return await self._reader.rows(query, params)
        if self._connection is None:
            write_intent.set(False)  # a read: on SQLite no write lock, no BEGIN at all
            engine: AsyncEngine = self._state.read_engine
            self._connection = await engine.connect()
        return (await self._connection.execute(statement, params)).all()

    async def _first_unscoped(self, statement: Executable, params: dict[str, Any]) -> Any:
        found = await self._run(statement, params)
        return found[0] if found else None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


async def open_context(request: Request) -> ReadContext:
    """Authenticate (401/403 first), then refuse NUL in path and query values, as every route does."""
    context = ReadContext(request)
    try:
        context.principal = await authenticate(
            context._first_unscoped, request.headers.get("authorization"), request.app.state.principal_cache
        )
        request.scope.setdefault("state", {})["org_id"] = context.principal.org_id
        # (no query string, no query values: its parser is not needed)
        refuse_nul(request.path_params, request.query_params.multi_items() if request.scope["query_string"] else ())
    except BaseException:
        await context.close()
        raise
    return context


async def _documented_context(authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> None:
    """Only for FastAPI's view of the signature (OpenAPI); read routes never resolve dependencies."""
    raise RuntimeError("a read route ran through FastAPI's dependency resolution")  # pragma: no cover


ReadContextDep = Annotated[ReadContext, Depends(_documented_context)]


def read_route(endpoint: E) -> E:
    """Mark an endpoint `async def name(ctx: ReadContextDep, ...)` for the read path: what `router.read` does
    (declare read routes with it; this marker is what `ApiRoute` looks for)."""
    setattr(endpoint, READ_ROUTE, True)
    return endpoint


class ReadRouteError(TypeError):
    """A read endpoint whose signature the read path cannot serve: refused when the route is registered."""


def _plain_str(field: Any) -> bool:
    """A parameter declared `str` without constraints: its raw value is its value (nothing to validate)."""
    info = field.field_info
    return info.annotation is str and not info.metadata


@dataclass(frozen=True, slots=True)
class Validator:
    """A parameter given by a dependency that validates path or query values (`kit.deps.UserEmailPath`): an async
    function of those parameters only, run on the read path as FastAPI would run it."""

    name: str
    call: Callable[..., Awaitable[Any]]
    path: list[Any]
    query: list[Any]


@dataclass(frozen=True, slots=True)
class ReadParams:
    """How a read route's arguments come from the request: the same fields, types and validators FastAPI derives
    from the signature (`Dependant`), checked with FastAPI's own `request_params_to_args`, so that a read route
    validates its parameters exactly as any route does (errors leave as `RequestValidationError`: a flat 400)."""

    path: list[Any]
    query: list[Any]
    validators: list[Validator]
    raw_path: bool  # every path parameter a plain `str`: passed on as matched

    @classmethod
    def of(
        cls, dependant: Dependant, endpoint: Callable[..., Any], ignored: Collection[Callable[..., Any]]
    ) -> ReadParams:
        """The plan for `endpoint`, or `ReadRouteError` when the read path cannot serve its signature: its first
        parameter must be `ctx: ReadContextDep`; the others path or query parameters, or validators."""
        where = f"read route {endpoint.__module__}.{endpoint.__qualname__}"
        names = list(inspect.signature(endpoint).parameters)
        if not names or names[0] != "ctx":
            raise ReadRouteError(f"{where}: its first parameter must be `ctx: ReadContextDep`")
        if dependant.body_params or dependant.header_params or dependant.cookie_params:
            raise ReadRouteError(f"{where}: a read route takes no body, header or cookie parameter")
        if dependant.request_param_name or dependant.response_param_name or dependant.background_tasks_param_name:
            raise ReadRouteError(f"{where}: a read route gets the request as `ctx.request`, and answers by returning")
        validators: list[Validator] = []
        for sub in dependant.dependencies:
            if (sub.call is _documented_context and sub.name == "ctx") or sub.call in ignored:
                continue
            if sub.call is _documented_context:
                raise ReadRouteError(f"{where}: `ReadContextDep` is its first parameter, `ctx`")
            own = sub.body_params or sub.header_params or sub.cookie_params or sub.dependencies
            if own or sub.request_param_name or not inspect.iscoroutinefunction(sub.call) or sub.name is None:
                raise ReadRouteError(
                    f"{where}: parameter {sub.name!r} is a dependency the read path cannot run (only async "
                    "validators of path and query values, such as `kit.deps.UserEmailPath`)"
                )
            validators.append(Validator(sub.name, sub.call, list(sub.path_params), list(sub.query_params)))
        path, query = list(dependant.path_params), list(dependant.query_params)
        return cls(path, query, validators, all(_plain_str(field) for field in path))

    async def arguments(self, request: Request) -> dict[str, Any]:
        """The endpoint's arguments besides `ctx`, validated."""
        path_params = request.path_params
        errors: list[Any] = []
        if self.raw_path:
            arguments = {field.name: path_params[field.alias] for field in self.path}
        else:
            arguments, errors = request_params_to_args(self.path, path_params)
        if self.query:
            values, query_errors = request_params_to_args(self.query, request.query_params)
            arguments.update(values)
            errors += query_errors
        for validator in self.validators:
            given, path_errors = request_params_to_args(validator.path, path_params)
            if validator.query:
                from_query, query_errors = request_params_to_args(validator.query, request.query_params)
                given.update(from_query)
                path_errors += query_errors
            if path_errors:
                errors += path_errors
                continue
            arguments[validator.name] = await validator.call(**given)
        if errors:
            raise RequestValidationError(errors)
        return arguments


async def _through_cache(
    cache: ListCache, context: ReadContext, request: Request, answer: Callable[[], Awaitable[Response]]
) -> Response:
    """The cached answer while the organisation's data version is the one it was built at, else a new one.

    The version is read before the rows (`kit.listcache` says why that order keeps answers from going stale).
    """
    key = (context.principal.org_id, request.scope["path"], request.scope["query_string"])
    found = await context.first(CURRENT_VERSION)
    version = found[0] if found is not None else 0
    body = cache.get(key, version)
    if body is not None:
        return Response(body, media_type="application/json")
    response = await answer()
    if response.status_code == 200:
        cache.put(key, version, bytes(response.body))
    return response


def read_handler(
    endpoint: Callable[..., Awaitable[Any]], response_model: Any, params: ReadParams
) -> Callable[[Request], Awaitable[Response]]:
    """The request handler `ApiRoute` uses for a read route: answers are serialised once, absent values left out."""
    adapter: TypeAdapter[Any] | None = TypeAdapter(response_model) if response_model is not None else None
    cached = getattr(endpoint, CACHED_ROUTE, False)

    async def answer(context: ReadContext, arguments: dict[str, Any]) -> Response:
        result = await endpoint(context, **arguments)
        if isinstance(result, Response):
            return result
        assert adapter is not None, "a read route that returns values declares its response_model"
        return Response(adapter.dump_json(result, exclude_none=True), media_type="application/json")

    async def handle(request: Request) -> Response:
        context = await open_context(request)
        try:
            arguments = await params.arguments(request)
        except BaseException:
            await context.close()
            raise
        try:
            if cached and (cache := request.app.state.list_cache).enabled:
                return await _through_cache(cache, context, request, lambda: answer(context, arguments))
            return await answer(context, arguments)
        finally:
            await context.close()

    return handle


def read_route_app(handle: Callable[[Request], Awaitable[Response]]) -> ASGIApp:
    """A read route's ASGI application: what FastAPI's `request_response` does for a route, less what a read
    route never uses (the two exit stacks of dependencies with `yield`, a `send` wrapper that only tracks whether
    the answer started, which a `Response` does first).

    Failures are answered as Starlette's `wrap_app_handling_exceptions` answers them: the application's handler for
    the exception (its status code's first, for an `HTTPException`), else it goes on; one raised once the answer
    started goes on as the `RuntimeError` Starlette raises.
    """

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response = await handle(request)
        except Exception as exc:
            handler = _exception_handler(scope, exc)
            if handler is None:
                raise
            if is_async_callable(handler):
                answer = await handler(request, exc)
            else:
                answer = await run_in_threadpool(handler, request, exc)
            if answer is not None:
                await answer(scope, receive, send)
            exc.__traceback__ = None  # as Starlette: a reused exception does not grow its traceback
            return
        try:
            await response(scope, receive, send)
        except Exception as exc:  # a Response sends its start first: the answer has started
            if _exception_handler(scope, exc) is None:
                raise
            raise RuntimeError("Caught handled exception, but response already started.") from exc

    return app


def _exception_handler(scope: Scope, exc: Exception) -> Callable[..., Any] | None:
    """The application's handler for `exc` (`ExceptionMiddleware` puts them in the scope), as Starlette finds it."""
    exception_handlers, status_handlers = scope.get("starlette.exception_handlers", ({}, {}))
    if isinstance(exc, HTTPException) and (handler := status_handlers.get(exc.status_code)) is not None:
        return handler  # type: ignore[no-any-return]
    for cls in type(exc).__mro__:
        if cls in exception_handlers:
            return exception_handlers[cls]  # type: ignore[no-any-return]
    return None
