"""OpenTelemetry traces: real spans through the SDK's in-memory exporter, opt-in through the `OTEL_*` variables."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from openqualify.server.observability import hub as hub_metrics
from openqualify.server.observability import tracing
from tests.fixtures.observability import ClientFactory

Spans = tuple[TracerProvider, InMemorySpanExporter]


def _tree(exporter: InMemorySpanExporter) -> tuple[ReadableSpan, dict[str, list[ReadableSpan]]]:
    """The one server span of the finished spans, and each span of its trace by its parent's name (background
    work, such as the statistics' ANALYZE, has traces of its own)."""
    finished = exporter.get_finished_spans()
    servers = [s for s in finished if s.kind is SpanKind.SERVER]
    assert len(servers) == 1, [s.name for s in finished]
    trace = [s for s in finished if s.context.trace_id == servers[0].context.trace_id]
    by_id = {s.context.span_id: s for s in trace}
    children: dict[str, list[ReadableSpan]] = {}
    for span in trace:
        if span.parent is not None:
            children.setdefault(by_id[span.parent.span_id].name, []).append(span)
    return servers[0], children


def _every_value(exporter: InMemorySpanExporter) -> str:
    parts: list[Any] = []
    for span in exporter.get_finished_spans():
        parts += [span.name, *span.attributes.values(), *span.resource.attributes.values()]
        parts += [value for event in span.events for value in event.attributes.values()]
    return " ".join(str(part) for part in parts)


def test_a_read_is_one_trace_with_its_statements(
    make_client: ClientFactory, org: tuple[str, str, str], spans: Spans, database_url: str
) -> None:
    provider, exporter = spans
    auth = {"Authorization": f"Bearer {org[2]}", "X-Request-Id": "read-trace-1"}
    with make_client(tracer_provider=provider) as client:
        exporter.clear()
        answer = client.get("/v1/offerings/absent?$top=5&who=ann@example.com", headers=auth)
    assert answer.status_code == 404
    server, children = _tree(exporter)
    assert server.name == "GET /v1/offerings/{offeringId}"
    attributes = dict(server.attributes or {})
    assert attributes["openqualify.request_id"] == "read-trace-1"
    assert attributes["openqualify.operation"] == "GET /v1/offerings/{offeringId}"
    assert attributes["http.route"] == "/v1/offerings/{offeringId}"
    assert attributes["http.response.status_code"] == 404
    assert attributes["url.query"] == "$top=REDACTED&who=REDACTED"
    reads = children["GET /v1/offerings/{offeringId}"]
    assert {s.name for s in reads} >= {"SELECT organisations", "SELECT offerings"}  # the token, then the offering
    if database_url.startswith("sqlite"):
        assert all(s.kind is SpanKind.CLIENT and s.attributes["db.system.name"] == "sqlite" for s in reads)
    else:  # the read path's span, with psycopg's own span of the statement under it
        offering = next(s for s in reads if s.name == "SELECT offerings")
        assert offering.kind is SpanKind.INTERNAL
        assert [s.kind for s in children["SELECT offerings"]] == [SpanKind.CLIENT]
    assert "ann@example.com" not in _every_value(exporter) and org[2] not in _every_value(exporter)


def test_a_write_is_a_unit_of_work_around_its_statements(
    make_client: ClientFactory, org: tuple[str, str, str], spans: Spans
) -> None:
    provider, exporter = spans
    auth = {"Authorization": f"Bearer {org[2]}"}
    user = {"email": "traced@example.com", "firstName": "Tra", "lastName": "Ced"}
    with make_client(tracer_provider=provider) as client:
        exporter.clear()
        created = client.post("/v1/users", headers=auth, json=user)
        server, children = _tree(exporter)
        exporter.clear()
        again = client.post("/v1/users", headers=auth, json=user)
        _, children_again = _tree(exporter)
    assert created.status_code == 201 and again.status_code == 400
    assert server.name == "POST /v1/users"
    assert server.attributes["openqualify.request_id"] == created.headers["x-request-id"]  # type: ignore[index]
    (unit,) = [s for s in children["POST /v1/users"] if s.name == "unit of work"]
    assert unit.attributes == {"openqualify.uow.writes": True, "openqualify.uow.outcome": "commit"}
    statements = [s.attributes.get("db.statement", "") for s in children["unit of work"]]  # type: ignore[union-attr]
    assert any(str(text).startswith("INSERT INTO users") for text in statements), statements
    assert any("org_data_versions" in str(text) for text in statements)  # the commit's version bump
    (refused,) = [s for s in children_again["POST /v1/users"] if s.name == "unit of work"]
    assert refused.attributes["openqualify.uow.outcome"] == "rollback"  # type: ignore[index]
    assert refused.status.status_code is StatusCode.UNSET  # a 400 of the contract is no server error
    values = _every_value(exporter)
    assert "traced@example.com" not in values and "Tra" not in values.split() and org[2] not in values


def test_refusals_of_the_request_layer_are_named_by_their_route(
    make_client: ClientFactory, org: tuple[str, str, str], spans: Spans
) -> None:
    provider, exporter = spans
    with make_client(tracer_provider=provider, max_body_bytes=100) as client:
        exporter.clear()
        unauthorised = client.get("/v1/offerings/x", headers={"Authorization": "Bearer wrong-token-value"})
        (server_401, _) = _tree(exporter)
        exporter.clear()
        large = client.post("/v1/users", headers={"Authorization": f"Bearer {org[2]}"}, content=b"x" * 500)
        (server_413, _) = _tree(exporter)
        exporter.clear()
        client.get("/health")
        client.get("/metrics")
        untraced = exporter.get_finished_spans()
    assert (unauthorised.status_code, large.status_code) == (401, 413)
    assert server_401.name == "GET /v1/offerings/{offeringId}"
    assert server_401.attributes["openqualify.request_id"] == unauthorised.headers["x-request-id"]  # type: ignore[index]
    assert server_413.name == "POST /v1/users"
    assert "wrong-token-value" not in _every_value(exporter)
    assert [span.name for span in untraced] == []  # health checks and scrapes make no traces


def test_off_unless_asked(make_client: ClientFactory, org: tuple[str, str, str]) -> None:
    with make_client() as client:
        app: Any = client.app
        assert app.state.tracing is None and app.state.tracer is None
        assert app.state.reader.tracer is None
        assert not app._native_telemetry.enabled()  # FastAPI's own instrumentation does nothing either


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, False),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, False),
        ({"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "otlp"}, True),
    ],
)
def test_which_variables_turn_traces_on(environ: dict[str, str], expected: bool) -> None:
    assert tracing.requested(environ) is expected


def test_a_provider_from_the_variables() -> None:
    environ = {"OTEL_TRACES_EXPORTER": "console,otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}
    provider: Any = tracing.provider_from_environment(environ)
    try:
        exporters = [type(p.span_exporter).__name__ for p in provider._active_span_processor._span_processors]
        assert exporters == ["ConsoleSpanExporter", "OTLPSpanExporter"]
        assert provider.resource.attributes["service.name"] == "openqualify"
    finally:
        provider.shutdown()
    with pytest.raises(tracing.TracingUnavailable, match="otlp_proto_grpc"):
        tracing.check_environment({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"})
    with pytest.raises(tracing.TracingUnavailable, match="'zipkin'"):
        tracing.check_environment({"OTEL_TRACES_EXPORTER": "zipkin"})


def test_the_hubs_delivery_span(spans: Spans) -> None:
    provider, exporter = spans
    tracer = provider.get_tracer("test")
    url = "https://hooks.example.org:8443/receive/s3cr3t-path?token=abc"
    with (
        tracer.start_as_current_span("deliver events"),
        hub_metrics.delivery_span(tracer, "offering.created", url, attempt=2) as span,
    ):
        headers = hub_metrics.trace_headers()
        hub_metrics.set_delivery_status(span, 503)
    with hub_metrics.delivery_span(None, "offering.created", url, 1) as nothing:
        assert nothing is None and hub_metrics.trace_headers() == {}
        hub_metrics.set_delivery_status(nothing, 200)
    delivery = next(s for s in exporter.get_finished_spans() if s.name == "webhook delivery")
    assert delivery.kind is SpanKind.CLIENT and delivery.status.status_code is StatusCode.ERROR
    assert dict(delivery.attributes or {}) == {
        "http.request.method": "POST", "server.address": "hooks.example.org", "server.port": 8443,
        "openqualify.event.type": "offering.created", "openqualify.delivery.attempt": 2,
        "http.response.status_code": 503, "error.type": "503",
    }
    assert headers["traceparent"].split("-")[2] == format(delivery.context.span_id, "016x")
    assert "s3cr3t" not in _every_value(exporter) and "abc" not in _every_value(exporter)
