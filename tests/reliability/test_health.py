"""`GET /health` (liveness) and `GET /ready` (readiness), outside `/v1` and without a token."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from openqualify.server.app import create_app
from openqualify.server.config import Settings
from tests.fixtures.api import Api


def test_health_needs_no_token(api: Api) -> None:
    response = api.http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_the_database_is_migrated(api: Api) -> None:
    response = api.http.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}


def test_not_ready_on_an_unmigrated_database(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"))
    with TestClient(app) as http:
        response = http.get("/ready")
        assert http.get("/health").status_code == 200  # alive all the same
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "database" in response.json()["checks"]


def test_not_ready_without_a_database() -> None:
    app = create_app(Settings(database_url="postgresql://nobody@127.0.0.1:1/none", db_lock_timeout=2))
    with TestClient(app) as http:
        response = http.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("unavailable")


def test_health_routes_are_not_api_operations(api: Api) -> None:
    endpoints = api.get("/").json()
    assert not any(key.split(" ", 1)[1] in ("/health", "/ready") for key in endpoints)
