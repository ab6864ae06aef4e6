"""The application factory."""

from __future__ import annotations

import gc
import html
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from opentelemetry.trace import TracerProvider
from sqlalchemy import Executable
from starlette.types import Scope

from openqualify import __version__
from openqualify.server.config import MIB, Settings, get_settings
from openqualify.server.console import install_console
from openqualify.server.db.compiled import SQLiteReader
from openqualify.server.db.engine import make_async_engine, make_sessionmaker, read_engine, write_intent
from openqualify.server.db.pg_reader import PostgresReader
from openqualify.server.db.replicas import ReadYourWritesMiddleware, start_replicas
from openqualify.server.db.statistics import analyze_if_never, stop_background
from openqualify.server.db.urls import is_sqlite
from openqualify.server.event_hub.runtime import start_event_hub
from openqualify.server.health.router import router as health_router
from openqualify.server.kit import route_index
from openqualify.server.kit.auth import PrincipalCache
from openqualify.server.kit.jsonbody import BodyLimits
from openqualify.server.kit.listcache import ListCache
from openqualify.server.kit.reads import read_sessionmaker
from openqualify.server.middleware.access_log import AccessLogMiddleware
from openqualify.server.middleware.authenticate_first import AuthenticateFirstMiddleware
from openqualify.server.middleware.errors import install_error_handlers
from openqualify.server.middleware.rate_limit import RateLimiter, RateLimitMiddleware, build_counter
from openqualify.server.middleware.read_lane import ReadLaneMiddleware
from openqualify.server.middleware.replay import ReplayOnConflictMiddleware
from openqualify.server.middleware.request_caps import RequestCaps
from openqualify.server.middleware.request_head import RequestHeadMiddleware
from openqualify.server.middleware.security_headers import ApiSecurityHeadersMiddleware, docs_headers
from openqualify.server.observability import hub as hub_metrics
from openqualify.server.observability import metrics
from openqualify.server.observability.db import observe_engine_pool
from openqualify.server.observability.middleware import (
    MetricsEndpoint,
    ObservabilityMiddleware,
    RouteRecorderMiddleware,
)
from openqualify.server.observability.tracing import Tracing
from openqualify.server.openapi import declare_bearer_auth
from openqualify.server.reference import document
from openqualify.server.routes import API_ROUTERS, SANDBOX_ROUTERS
from openqualify.server.sandbox.faults.deliveries import SandboxDeliveryFaults
from openqualify.server.sandbox.faults.middleware import FaultMiddleware, TransportCapture
from openqualify.server.sandbox.journal.middleware import JournalMiddleware
from openqualify.server.sandbox.journal.store import JournalStore

GC_GEN0_THRESHOLD = 20_000


def create_app(settings: Settings | None = None, *, tracer_provider: TracerProvider | None = None) -> FastAPI:
    """The application. Traces go to `tracer_provider` when given (tests), else where the `OTEL_*` variables
    say, else nowhere (observability.tracing)."""
    settings = settings or get_settings()
    tracing = Tracing.configure(tracer_provider)
    if settings.metrics_enabled:
        database = "sqlite" if is_sqlite(settings.database_url) else "postgresql"
        metrics.enable(mode=settings.mode.value, database=database)
        hub_metrics.enable()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        units_of_work_pool, read_pool = settings.db_pool_sizes
        statement_timeout = settings.statement_timeout_ms / 1000
        engine = make_async_engine(
            settings.database_url,
            pool_size=units_of_work_pool,
            echo=settings.db_echo,
            lock_timeout=settings.db_lock_timeout,
            statement_timeout=statement_timeout,
            pooler=settings.database_pooler,
        )
        app.state.engine = engine
        observe_engine_pool(engine)  # pool metrics (when on)
        if tracing is not None:
            tracing.instrument_engine(engine)
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.read_engine = read_engine(engine)
        app.state.read_sessionmaker = read_sessionmaker(app.state.read_engine)
        if is_sqlite(settings.database_url):
            app.state.reader = SQLiteReader(
                settings.database_url, engine.dialect, settings.db_lock_timeout, statement_timeout
            )
        else:
            app.state.reader = PostgresReader(
                engine, read_pool, settings.db_lock_timeout, statement_timeout, pooler=settings.database_pooler
            )
            if tracing is not None:
                app.state.reader.configure_connection = tracing.instrument_psycopg
        if tracing is not None:
            app.state.reader.tracer = tracing.tracer
        if isinstance(app.state.reader, PostgresReader):
            await app.state.reader.open()
            if settings.database_replica_urls:  # the read path on hot standbys (db.replicas)
                await start_replicas(app.state, settings, tracing, read_pool, statement_timeout)
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
        if settings.sandbox_enabled:  # the organisations' delivery fault rules (sandbox/faults/deliveries.py)
            app.state.delivery_faults = SandboxDeliveryFaults(engine)
        app.state.event_hub = await start_event_hub(app)  # delivery, NATS relay, retention (event_hub/runtime.py)
        try:
            yield
        finally:
            await app.state.event_hub.stop()
            if app.state.rate_limiter is not None:
                await app.state.rate_limiter.counter.close()
            await app.state.reader.close()
            await stop_background(engine)
            await engine.dispose()
            if tracing is not None:
                tracing.shutdown()  # the spans still in the batch leave now

    app = FastAPI(
        title="OpenQualify — iQualify Management API v1",
        version=__version__,
        summary="A self-hostable implementation of the iQualify Management API v1.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # FastAPI's own OpenTelemetry instrumentation: server spans when traces are on, nothing otherwise.
        telemetry=tracing.fastapi_config() if tracing else {"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.tracing = tracing
    app.state.tracer = tracing.tracer if tracing else None  # the unit of work's and readers' spans
    app.state.principal_cache = PrincipalCache(settings.principal_cache_ttl)
    app.state.list_cache = ListCache(settings.list_cache_mb * MIB)
    app.state.rate_limiter = None
    app.state.replicas = None
    app.state.database_damaged = None  # SQLite's reason, once a request found the file damaged (/ready says it)
    app.state.endpoint_maps = {}
    app.state.journal = JournalStore(settings.journal_size, settings.journal_body_bytes)
    # Bounds on a JSON body's structure (kit.jsonbody); the import carries a whole organisation, bounded by bytes.
    app.state.body_limits = BodyLimits.for_bulk_cap(settings.max_bulk_items)
    app.state.body_limits_by_path = {"/_sandbox/import": BodyLimits(max_items=None, max_values=None)}
    install_error_handlers(app)
    # Routes are added flat, in order (not as included sub-routers), so that `app.routes` lists every
    # operation with its full path, matching follows the order of `routes.API_ROUTERS`, and the route index
    # (kit.route_index) sees every route's template.
    routers = [health_router] + API_ROUTERS + (SANDBOX_ROUTERS if settings.sandbox_enabled else [])
    for router in routers:
        app.router.routes.extend(router.routes)
    _mount_offline_docs(app)
    _add_home_page(app)
    install_console(app, settings)
    declare_bearer_auth(app)
    document(app)  # the reference's words: summaries, descriptions, parameters (server/reference/)
    route_index.install(app.router)  # a request tries the routes its path can match, not all (kit.route_index)
    # Added innermost first. A request meets the URL fix-ups, the size caps, the rate limit, authentication (so
    # a bad token answers before its body is read), then the replay, which keeps the body it reads, and, right
    # above the router, the layer that names the matched route for the metrics and the trace, and the read lane
    # (a read route's request runs its route from there: middleware.read_lane).
    app.add_middleware(ReadLaneMiddleware)
    if settings.metrics_enabled or tracing is not None:
        app.add_middleware(RouteRecorderMiddleware)
    app.add_middleware(ReplayOnConflictMiddleware)
    if settings.database_replica_urls:  # read-your-writes: inside authentication, which names the organisation
        app.add_middleware(ReadYourWritesMiddleware, replicas=lambda: app.state.replicas)
    authenticated = ("/v1", "/_sandbox") if settings.sandbox_enabled else ("/v1",)
    app.add_middleware(
        AuthenticateFirstMiddleware, prefixes=authenticated, cache=app.state.principal_cache, run_first=_first_row
    )
    app.add_middleware(RateLimitMiddleware, limiter=lambda: app.state.rate_limiter)
    # The URL fix-ups and caps, and the last resort for failures (a 500 that keeps the connection): one layer.
    caps = RequestCaps(
        max_body_bytes=settings.max_body_bytes,
        max_url_bytes=settings.max_url_bytes,
        body_limit_overrides={"/_sandbox/import": settings.max_import_body_bytes},
    )
    app.add_middleware(RequestHeadMiddleware, caps=caps)
    if settings.sandbox_enabled:  # injected faults (docs/sandbox.md): inside the journal and the access log
        app.add_middleware(FaultMiddleware)
    # Outermost: the journal and the access log see the final answer (after replays), CORS answers preflights.
    if settings.sandbox_enabled:
        app.add_middleware(JournalMiddleware, store=app.state.journal)
    if settings.access_log_enabled:
        app.add_middleware(AccessLogMiddleware)
    if settings.cors_origins:  # the API's security headers inside CORS (its preflights keep their own headers)
        app.add_middleware(ApiSecurityHeadersMiddleware)
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[
                "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After", "X-Request-Id",
            ],
        )
    # Outermost but the transport capture (CORS included): every answer has its request id (and, without CORS,
    # the API's security headers, in the same pass); GET /metrics is answered here.
    listener = settings.metrics_listener
    endpoint = MetricsEndpoint(listener[1] if listener else None) if settings.metrics_enabled else None
    app.add_middleware(
        ObservabilityMiddleware,
        count=settings.metrics_enabled,
        endpoint=endpoint,
        traced=tracing is not None,
        api_headers=not settings.cors_origins,
    )
    if settings.sandbox_enabled:
        app.add_middleware(TransportCapture)  # the very first layer: `drop` faults close the connection
    return app


async def _first_row(scope: Scope, statement: Executable, params: dict[str, Any]) -> Any:
    """The first row of a read statement for the application serving `scope` (the token check at the edge)."""
    state = scope["app"].state
    query = state.reader.compiled(statement)
    if query is not None:
        rows = await state.reader.rows(query, params)
    else:
        write_intent.set(False)  # a read: on SQLite no write lock
        async with state.read_engine.connect() as connection:
            rows = list((await connection.execute(statement, params)).all())
    return rows[0] if rows else None


def _mount_offline_docs(app: FastAPI) -> None:
    """Swagger UI from assets shipped in a package: the docs work with no internet."""
    static = files("fastapi_offline") / "static"
    app.mount("/_static", StaticFiles(directory=str(static)), name="static")
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=app.title,
        swagger_js_url="/_static/swagger-ui-bundle.js",
        swagger_css_url="/_static/swagger-ui.css",
        swagger_favicon_url="/_static/favicon.png",
    )
    headers = docs_headers(bytes(page.body).decode())

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(bytes(page.body), headers=headers)


_HOME = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>OpenQualify</title></head>
<body><h1>OpenQualify {version}</h1>
<p>The iQualify Management API v1, {mode} mode.</p>
<ul>
<li><a href="/v1/">/v1</a>: the API (every request needs <code>Authorization: Bearer &lt;token&gt;</code>)</li>
<li><a href="/docs">/docs</a>: interactive documentation</li>
<li><a href="/console">/console</a>: the web console</li>
</ul></body></html>
"""


def _add_home_page(app: FastAPI) -> None:
    """`GET /`: where things are, as a small page or, for a client that asks for JSON, an object."""
    settings: Settings = app.state.settings
    mode = settings.mode.value
    links = {"api": "/v1", "docs": "/docs", "openapi": "/openapi.json", "console": "/console"}
    page = _HOME.format(version=html.escape(__version__), mode=mode).encode()
    headers = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", "X-Frame-Options": "DENY"}

    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> Response:
        accept = request.headers.get("accept", "")
        if "json" in accept and "html" not in accept:
            return JSONResponse({"name": "OpenQualify", "version": __version__, "mode": mode, "links": links})
        return Response(page, media_type="text/html; charset=utf-8", headers=headers)
