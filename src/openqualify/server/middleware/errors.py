"""Exception handlers: every failure leaves as the contract's flat `{"name", "details"}` body.

Unexpected exceptions are answered by `answer_unexpected` (from `middleware.request_head`) rather than by an
exception handler for `Exception`: Starlette sends that handler's answer and then raises the exception again, and
uvicorn closes the connection of a request that raised, so every 500 used to drop the client's keep-alive
connection (issue 19.11).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route
from starlette.types import Scope, Send

from openqualify.server.db.faults import is_connection_lost, is_lock_timeout, is_statement_timeout
from openqualify.server.kit.errors import (
    SERVER_ERROR_DETAILS,
    ApiError,
    DatabaseUnavailableError,
    SchemaValidationError,
    ServerBusyError,
    StatementTimeoutError,
)
from openqualify.server.kit.validation import to_schema_error
from openqualify.server.middleware.asgi import send_error

logger = logging.getLogger("openqualify")


def _render(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _render(exc)


CONTENT_TYPE_DETAILS = "request body should be JSON, sent with the header 'Content-Type: application/json'"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    # FastAPI hands the raw bytes to validation when the body is not declared as JSON: say which header is missing.
    if any(e.get("loc", ())[:1] == ("body",) and isinstance(e.get("input"), bytes) for e in errors):
        return _render(SchemaValidationError(CONTENT_TYPE_DETAILS))
    return _render(to_schema_error(errors))


def allowed_methods(request: Request) -> list[str]:
    """The methods of every route whose path matches the request's (one route per method and path here)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route.methods
    return sorted(methods)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405 and (allowed := allowed_methods(request)):
        # A known path with another method (decision H10): 405 with `Allow`, under the contract's route error name.
        details = f"The method {request.method} is not allowed on this path; allowed: {', '.join(allowed)}."
        body = {"name": "RouteNotFoundError", "details": details}
        return JSONResponse(body, status_code=405, headers={"Allow": ", ".join(allowed)})
    if exc.status_code in (404, 405):
        return JSONResponse({"name": "RouteNotFoundError", "details": "Invalid path."}, status_code=404)
    # Anything else the HTTP layer refuses keeps a contract name: bad input below 500, a server error above.
    name = "SchemaValidationError" if exc.status_code < 500 else "ServerError"
    return JSONResponse({"name": name, "details": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    """Last resort, for a failure outside `middleware.request_head` (Starlette then closes the connection)."""
    if is_lock_timeout(exc):  # e.g. a pooled connection not free in time, before the unit of work began
        return _render(ServerBusyError())
    logger.exception("unhandled error", exc_info=exc)
    return JSONResponse({"name": "ServerError", "details": SERVER_ERROR_DETAILS}, status_code=500)


async def answer_unexpected(scope: Scope, exc: Exception, send: Send) -> None:
    """An exception the handlers did not turn into an answer, raised before the answer started: 500 `ServerError`
    (503 for a lock timeout or a lost database), logged with its trace, answered without raising, so that the
    client's connection stays open for its next request (`middleware.request_head` calls it for every request;
    once a response has started, the exception goes on: the half-sent answer can only end with the connection)."""
    known = _database_fault(scope, exc)
    if known is not None:
        await send_error(send, known.status_code, known.name, known.details, known.headers)
        return
    logger.exception("unhandled error", exc_info=exc)
    await send_error(send, 500, "ServerError", SERVER_ERROR_DETAILS)


def _database_fault(scope: Scope, exc: Exception) -> ApiError | None:
    """The database's temporary failures met outside the units of work's replay (the token's lookup in the
    authentication layer, for one): the same 503s as inside it, never a 500 (decision F3)."""
    if is_lock_timeout(exc):
        return ServerBusyError()
    if is_connection_lost(exc):
        logger.warning("database unavailable, answering 503: %s", str(exc).splitlines()[0] if str(exc) else exc)
        return DatabaseUnavailableError()
    if is_statement_timeout(exc):
        return StatementTimeoutError(scope["app"].state.settings.statement_timeout_ms)
    return None


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
