"""The application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from openqualify import __version__
from openqualify.server.config import MIB, Settings, get_settings
from openqualify.server.console import install_console
from openqualify.server.db.compiled import SQLiteReader
from openqualify.server.db.engine import make_async_engine, make_sessionmaker, read_engine
from openqualify.server.db.pg_reader import PostgresReader
from openqualify.server.db.statistics import analyze_if_never, stop_background
from openqualify.server.db.urls import is_sqlite
from openqualify.server.health.router import router as health_router
from openqualify.server.kit.auth import PrincipalCache
from openqualify.server.kit.contention import ReplayOnConflictMiddleware
from openqualify.server.kit.errors_http import install_error_handlers
from openqualify.server.kit.limits import RequestLimitsMiddleware
from openqualify.server.kit.listcache import ListCache
from openqualify.server.kit.logs import AccessLogMiddleware
from openqualify.server.kit.openapi import declare_bearer_auth
from openqualify.server.kit.paths import EncodedSlashMiddleware
from openqualify.server.kit.ratelimit import RateLimiter, RateLimitMiddleware, build_counter
from openqualify.server.routes import API_ROUTERS, SANDBOX_ROUTERS
from openqualify.server.sandbox.faults.middleware import FaultMiddleware, TransportCapture
from openqualify.server.sandbox.journal.middleware import JournalMiddleware
from openqualify.server.sandbox.journal.store import JournalStore

GC_GEN0_THRESHOLD = 20_000


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        units_of_work_pool, read_pool = settings.db_pool_sizes
        engine = make_async_engine(
            settings.database_url,
            pool_size=units_of_work_pool,
            echo=settings.db_echo,
            lock_timeout=settings.db_lock_timeout,
        )
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.read_engine = read_engine(engine)
        app.state.read_sessionmaker = make_sessionmaker(app.state.read_engine)
        if is_sqlite(settings.database_url):
            app.state.reader = SQLiteReader(settings.database_url, engine.dialect, settings.db_lock_timeout)
        else:
            app.state.reader = PostgresReader(engine, read_pool, settings.db_lock_timeout)
            await app.state.reader.open()
        analyze_if_never(engine)
        if settings.effective_rate_limit > 0:
            counter = build_counter(
                settings.rate_limit_backend,
                engine=engine,
                redis_url=settings.redis_url,
                workers=settings.workers,
                window_seconds=settings.rate_limit_window_seconds,
            )
            app.state.rate_limiter = RateLimiter(
                counter, settings.effective_rate_limit, settings.rate_limit_window_seconds
            )
        # Everything loaded so far lives as long as the process: keep it out of the collector's scans,
        # and collect the young generation less often (requests allocate many short-lived objects).
        gc.collect()
        gc.freeze()
        gc.set_threshold(GC_GEN0_THRESHOLD, *gc.get_threshold()[1:])
        try:
            yield
        finally:
            if app.state.rate_limiter is not None:
                await app.state.rate_limiter.counter.close()
            await app.state.reader.close()
            await stop_background(engine)
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
    app.state.list_cache = ListCache(settings.list_cache_mb * MIB)
    app.state.rate_limiter = None
    app.state.endpoint_maps = {}
    app.state.journal = JournalStore(settings.journal_size, settings.journal_body_bytes)
    install_error_handlers(app)
    app.include_router(health_router)
    # Routes are added flat, in order (not as included sub-routers), so that `app.routes` lists every
    # operation with its full path and matching follows the order of `routes.API_ROUTERS`.
    routers = API_ROUTERS + (SANDBOX_ROUTERS if settings.sandbox_enabled else [])
    for router in routers:
        app.router.routes.extend(router.routes)
    _mount_offline_docs(app)
    install_console(app, settings)
    declare_bearer_auth(app)
    # Added innermost first: a request meets the slash fix-up, the size caps, the rate limit, then the replay.
    app.add_middleware(ReplayOnConflictMiddleware)
    app.add_middleware(RateLimitMiddleware, limiter=lambda: app.state.rate_limiter)
    app.add_middleware(
        RequestLimitsMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_url_bytes=settings.max_url_bytes,
        body_limit_overrides={"/_sandbox/import": settings.max_import_body_bytes},
    )
    app.add_middleware(EncodedSlashMiddleware)
    if settings.sandbox_enabled:  # injected faults (docs/sandbox.md): inside the journal and the access log
        app.add_middleware(FaultMiddleware)
    # Outermost: the journal and the access log see the final answer (after replays), CORS answers preflights.
    if settings.sandbox_enabled:
        app.add_middleware(JournalMiddleware, store=app.state.journal)
    if settings.access_log_enabled:
        app.add_middleware(AccessLogMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"],
        )
    if settings.sandbox_enabled:
        app.add_middleware(TransportCapture)  # the very first layer: `drop` faults close the connection
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
