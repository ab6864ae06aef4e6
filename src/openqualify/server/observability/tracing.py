"""OpenTelemetry traces, opt-in through the standard `OTEL_*` variables.

Traces are on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, or
`OTEL_TRACES_EXPORTER` names an exporter other than `none`; `OTEL_SDK_DISABLED=true` turns them off whatever else
is set. The exporter is OTLP over HTTP/protobuf by default (`opentelemetry-exporter-otlp-proto-http`, which reads
`OTEL_EXPORTER_OTLP_*` itself: endpoint, headers, timeout, compression, certificates); `console` prints spans;
any other name is looked up among the installed exporters (`OTEL_EXPORTER_OTLP_PROTOCOL=grpc` needs
`opentelemetry-exporter-otlp-proto-grpc`). The SDK reads the sampler (`OTEL_TRACES_SAMPLER`, `_ARG`), the span
limits and the resource (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`; the service is `openqualify` unless
named). Spans leave in batches from a thread of the SDK's, never from the event loop.

What is traced (docs/operations.md, "Traces"):
- each HTTP request: FastAPI's own server span (named by method and route template), with the request id and the
  operation as attributes, the query string's values redacted;
- the unit of work (`kit.deps`), every statement through SQLAlchemy (its engine's events), the read path's
  compiled statements (`db.compiled`, `db.pg_reader`, with psycopg's own spans on PostgreSQL);
- the Event hub's webhook deliveries (`observability.hub.delivery_span`).

Off, nothing of this runs: the application holds no tracer (`Tracing` is None) and every site tests for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any
from urllib.parse import parse_qsl

from fastapi.telemetry import TelemetryConfig
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer, TracerProvider

from openqualify import __version__

INSTRUMENTATION = "openqualify"
ATTR_REQUEST_ID = "openqualify.request_id"
ATTR_OPERATION = "openqualify.operation"
REDACTED = "REDACTED"
UNTRACED_PATHS = frozenset({"/health", "/ready", "/metrics", "/favicon.ico"})
UNTRACED_PREFIXES = ("/_static/", "/console/static/")


class TracingUnavailable(RuntimeError):
    """Traces were asked for and cannot be made (the SDK or the exporter is not installed)."""


def requested(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the `OTEL_*` variables ask for traces."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = environ.get("OTEL_TRACES_EXPORTER")
    if exporters is not None:
        return any(name.strip().lower() not in ("", "none") for name in exporters.split(","))
    return bool(environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def provider_from_environment(environ: Mapping[str, str] = os.environ) -> TracerProvider:
    """The SDK's tracer provider with the exporters the variables name (`requested` must be true)."""
    try:
        from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
        from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as error:
        raise TracingUnavailable(
            "the OTEL_* variables ask for traces: install them with pip install 'openqualify[otel]'"
        ) from error
    resource = Resource.create({SERVICE_VERSION: __version__, "process.pid": os.getpid()})  # which worker
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: "openqualify"}))
    provider = SdkTracerProvider(resource=resource)
    for exporter in _exporters(environ):
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def check_environment(environ: Mapping[str, str] = os.environ) -> None:
    """Raise `TracingUnavailable` when the traces the variables ask for cannot be made here."""
    try:
        import opentelemetry.sdk.trace  # noqa: F401
    except ImportError as error:
        raise TracingUnavailable(
            "the OTEL_* variables ask for traces: install them with pip install 'openqualify[otel]'"
        ) from error
    _exporters(environ, load=False)


def _exporters(environ: Mapping[str, str], *, load: bool = True) -> list[Any]:
    from opentelemetry.util._importlib_metadata import entry_points

    names = [n.strip().lower() for n in environ.get("OTEL_TRACES_EXPORTER", "otlp").split(",") if n.strip()]
    exporters = []
    for name in names:
        if name == "none":
            continue
        if name == "otlp":
            protocol = (
                environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
                or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
                or "http/protobuf"
            ).strip()
            name = {"http/protobuf": "otlp_proto_http", "grpc": "otlp_proto_grpc"}.get(protocol, protocol)
        found = list(entry_points(group="opentelemetry_traces_exporter", name=name))
        if not found:
            raise TracingUnavailable(
                f"no OpenTelemetry span exporter named {name!r} is installed "
                "(openqualify[otel] brings otlp over http/protobuf and console)"
            )
        if load:
            exporters.append(found[0].load()())
    return exporters


class Tracing:
    """An application's tracer and what it instruments. Built only when traces are on."""

    def __init__(self, provider: TracerProvider, *, owned: bool) -> None:
        self.provider = provider
        self.tracer: Tracer = provider.get_tracer(INSTRUMENTATION, __version__)
        self._owned = owned  # made from the environment here (flushed and shut down with the application)

    @classmethod
    def configure(cls, provider: TracerProvider | None = None) -> Tracing | None:
        """Tracing with `provider` (tests give an SDK provider with an in-memory exporter), else as the
        environment asks, else None. The first provider made from the environment also becomes the process's
        global one, for libraries that trace through it."""
        if provider is not None:
            return cls(provider, owned=False)
        if not requested():
            return None
        made = provider_from_environment()
        trace.set_tracer_provider(made)
        return cls(made, owned=True)

    def fastapi_config(self) -> TelemetryConfig:
        """FastAPI's own instrumentation (`FastAPI(telemetry=...)`): server spans and its operation spans, no
        metrics or logs of its own (Prometheus has the metrics; the logs are ours)."""
        return {
            "tracer_provider": self.provider,
            "tracing": True,
            "metrics": False,
            "logs": False,
            # Off: FastAPI's spans around dependency resolution end before the endpoint runs, and their end
            # would take the unit of work's span (opened in a dependency) out of the current context, so that a
            # write's statements would not be its children.
            "operation_spans": False,
            "auto_configure": False,
            "exclude": untraced,
        }

    def instrument_engine(self, engine: Any) -> None:
        """Spans for every statement SQLAlchemy runs on `engine` (an AsyncEngine): its events, not a patch."""
        from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
        from opentelemetry.metrics import NoOpMeterProvider

        usage = NoOpMeterProvider().get_meter(INSTRUMENTATION).create_up_down_counter("unused")
        EngineTracer(self.tracer, engine.sync_engine, usage)  # type: ignore[no-untyped-call]

    async def instrument_psycopg(self, connection: Any) -> None:
        """psycopg's spans on one connection of the read path's pool (the pool's `configure` callback)."""
        from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

        PsycopgInstrumentor.instrument_connection(connection, tracer_provider=self.provider)

    def shutdown(self) -> None:
        if self._owned:
            shutdown = getattr(self.provider, "shutdown", None)
            if shutdown is not None:
                shutdown()


def untraced(scope: MutableMapping[str, Any]) -> bool:
    """Requests left out of traces: health checks, scrapes, static files (frequent, and nothing to learn)."""
    path = scope.get("path", "")
    return path in UNTRACED_PATHS or path.startswith(UNTRACED_PREFIXES)


def redacted_query(query: bytes) -> str:
    """`$top=5&$filter=email eq 'ann@example.com'` -> `$top=REDACTED&$filter=REDACTED`: which parameters, never
    their values (a filter may name a person, as the access log's decision N3 says)."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return "&".join(f"{name}={REDACTED}" for name, _ in pairs)


def annotate_server_span(span: Span, request_id: str, query: bytes) -> None:
    """The request's id on its server span; the query's values out of it."""
    span.set_attribute(ATTR_REQUEST_ID, request_id)
    if query:
        span.set_attribute("url.query", redacted_query(query))


def name_server_span(span: Span, method: str, route: str, *, rename: bool) -> None:
    """The operation on the server span; with `rename` (the router never saw the request: a refusal of the
    request layer) its name and route too, as FastAPI gives them to routed requests."""
    span.set_attribute(ATTR_OPERATION, f"{method} {route}")
    if rename:
        span.set_attribute("http.route", route)
        span.update_name(f"{method} {route}")


def span(
    tracer: Tracer | None, name: str, *, kind: SpanKind = SpanKind.INTERNAL, attributes: dict[str, Any] | None = None
) -> AbstractContextManager[Span | None]:
    """`tracer`'s span made current for the block, or nothing at all when traces are off (`tracer` is None)."""
    if tracer is None:
        return nullcontext()
    return _current(tracer, name, kind, attributes)


@contextmanager
def _current(tracer: Tracer, name: str, kind: SpanKind, attributes: dict[str, Any] | None) -> Iterator[Span]:
    with tracer.start_as_current_span(name, kind=kind, attributes=attributes) as current:
        yield current


def unit_of_work_span(tracer: Tracer | None, writes: bool) -> AbstractContextManager[Span | None]:
    """The unit of work (`kit.deps`): its session from opening to commit or rollback. Its outcome is an
    attribute: `commit` (a write), `read`, `rollback`, `conflict` (lost a race: the request runs again); the span
    is an error only for a server-side failure, not for the contract's 4xx answers."""
    if tracer is None:
        return nullcontext()
    return _unit_of_work(tracer, writes)


@contextmanager
def _unit_of_work(tracer: Tracer, writes: bool) -> Iterator[Span]:
    with tracer.start_as_current_span(
        "unit of work",
        attributes={"openqualify.uow.writes": writes},
        record_exception=False,
        set_status_on_exception=False,
    ) as current:
        try:
            yield current
        except BaseException as error:
            conflict = type(error).__name__ == "UnitOfWorkConflict"
            current.set_attribute("openqualify.uow.outcome", "conflict" if conflict else "rollback")
            if not conflict and getattr(error, "status_code", 500) >= 500:
                current.record_exception(error)
                current.set_status(StatusCode.ERROR, type(error).__name__)
            raise
        current.set_attribute("openqualify.uow.outcome", "commit" if writes else "read")
