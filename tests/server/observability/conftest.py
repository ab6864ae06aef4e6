"""Applications with metrics, traces and logs as a test asks, on the run's database (`tests.fixtures.observability`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Engine

from openqualify.server.app import create_app
from openqualify.server.config import Settings
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from tests.fixtures.observability import ClientFactory


@pytest.fixture
def make_client(database_url: str) -> ClientFactory:
    """`with make_client(metrics="on", ...) as client:` a started application with those settings (and
    `tracer_provider=` for traces); `base_url=` as the client's address (its port is the request's server port)."""

    @contextmanager
    def make(
        *, tracer_provider: TracerProvider | None = None, base_url: str = "http://testserver", **settings: Any
    ) -> Iterator[TestClient]:
        app = create_app(Settings(database_url=database_url, **settings), tracer_provider=tracer_provider)
        with TestClient(app, base_url=base_url, raise_server_exceptions=False) as client:
            yield client

    return make


@pytest.fixture
def org(sync_engine: Engine) -> tuple[str, str, str]:
    """(organisation id, its name, a token) of a new organisation."""
    name = f"Observed {uuid.uuid4().hex[:10]}"
    with admin_session(sync_engine) as session:
        created, token = create_org(session, name)
        session.commit()
        return created.id, name, token


@pytest.fixture
def spans() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter
