"""The application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from openqualify import __version__
from openqualify.server.config import Settings, get_settings
from openqualify.server.db.engine import make_async_engine, make_sessionmaker
from openqualify.server.kit.auth import PrincipalCache
from openqualify.server.kit.errors_http import install_error_handlers
from openqualify.server.kit.paths import EncodedSlashMiddleware
from openqualify.server.routes import API_ROUTERS, SANDBOX_ROUTERS

GC_GEN0_THRESHOLD = 20_000


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_async_engine(
            settings.database_url, pool_size=settings.db_pool_size, echo=settings.db_echo
        )
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        # Everything loaded so far lives as long as the process: keep it out of the collector's scans,
        # and collect the young generation less often (requests allocate many short-lived objects).
        gc.collect()
        gc.freeze()
        gc.set_threshold(GC_GEN0_THRESHOLD, *gc.get_threshold()[1:])
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="OpenQualify — iQualify Management API v1",
        version=__version__,
        summary="A self-hostable implementation of the iQualify Management API v1.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.principal_cache = PrincipalCache(settings.principal_cache_ttl)
    install_error_handlers(app)
    # Routes are added flat, in order (not as included sub-routers), so that `app.routes` lists every
    # operation with its full path and matching follows the order of `routes.API_ROUTERS`.
    routers = API_ROUTERS + (SANDBOX_ROUTERS if settings.sandbox_enabled else [])
    for router in routers:
        app.router.routes.extend(router.routes)
    _mount_offline_docs(app)
    app.add_middleware(EncodedSlashMiddleware)
    return app


def _mount_offline_docs(app: FastAPI) -> None:
    """Swagger UI from assets shipped in a package: the docs work with no internet."""
    static = files("fastapi_offline") / "static"
    app.mount("/_static", StaticFiles(directory=str(static)), name="static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=app.title,
            swagger_js_url="/_static/swagger-ui-bundle.js",
            swagger_css_url="/_static/swagger-ui.css",
            swagger_favicon_url="/_static/favicon.png",
        )
