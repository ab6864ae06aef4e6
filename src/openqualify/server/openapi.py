"""The OpenAPI document served at `/openapi.json`: the bearer scheme, so `/docs` has an Authorize button."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

BEARER_SCHEME = "bearerAuth"
PROTECTED_PREFIXES = ("/v1", "/_sandbox")  # /health, /ready and the docs need no token


def declare_bearer_auth(app: FastAPI) -> None:
    """Every `/v1` and `/_sandbox` operation requires `Authorization: Bearer <token>` (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, summary=app.summary, description=app.description, routes=app.routes
        )
        schema.setdefault("components", {})["securitySchemes"] = {
            BEARER_SCHEME: {
                "type": "http",
                "scheme": "bearer",
                "description": "The organisation's API token (`openqualify serve --demo` prints the demo's).",
            }
        }
        for path, item in schema.get("paths", {}).items():
            if path.startswith(PROTECTED_PREFIXES):
                for operation in item.values():
                    operation["security"] = [{BEARER_SCHEME: []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
