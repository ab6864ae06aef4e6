"""Exception handlers: every failure leaves as the contract's flat `{"name", "details"}` body."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from openqualify.server.kit.contention import is_lock_timeout
from openqualify.server.kit.errors import SERVER_ERROR_DETAILS, ApiError, SchemaValidationError, ServerBusyError
from openqualify.server.kit.validation import to_schema_error

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


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (404, 405):
        # Unknown paths and known paths with another method are both "no such route" (DOMAIN §4 #29).
        return JSONResponse({"name": "RouteNotFoundError", "details": "Invalid path."}, status_code=404)
    # Anything else the HTTP layer refuses keeps a contract name: bad input below 500, a server error above.
    name = "SchemaValidationError" if exc.status_code < 500 else "ServerError"
    return JSONResponse({"name": name, "details": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    if is_lock_timeout(exc):  # e.g. a pooled connection not free in time, before the unit of work began
        return _render(ServerBusyError())
    logger.exception("unhandled error", exc_info=exc)
    return JSONResponse({"name": "ServerError", "details": SERVER_ERROR_DETAILS}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
