"""Access log lines, the OpenAPI document's bearer scheme, CORS."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from openqualify.server.app import create_app
from openqualify.server.config import LogFormat, Mode, Settings
from openqualify.server.observability.logs import ACCESS_LOGGER, log_config
from tests.fixtures.api import Api


def test_access_log_names_request_status_time_and_organisation_never_the_token(
    database_url: str, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(create_app(Settings(database_url=database_url))) as client, caplog.at_level(
        logging.INFO, logger=ACCESS_LOGGER
    ):
        client.get("/v1/org", headers={"Authorization": f"Bearer {api.token}"})
        client.get("/v1/org", headers={"Authorization": "Bearer wrong-token"})
    lines = [r for r in caplog.records if r.name == ACCESS_LOGGER]
    assert [(r.method, r.path, r.status, r.org) for r in lines] == [  # type: ignore[attr-defined]
        ("GET", "/v1/org", 200, api.org_id),
        ("GET", "/v1/org", 401, "-"),
    ]
    assert "GET /v1/org 200 " in lines[0].getMessage() and lines[0].getMessage().endswith(f"org={api.org_id}")
    assert all(api.token not in r.getMessage() and "wrong-token" not in r.getMessage() for r in caplog.records)


def test_access_log_defaults_by_mode() -> None:
    assert Settings(mode=Mode.SANDBOX).access_log_enabled
    assert not Settings(mode=Mode.PRODUCTION).access_log_enabled
    assert Settings(mode=Mode.PRODUCTION, log_access=True).access_log_enabled


def test_json_log_format_writes_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    import logging.config

    logging.config.dictConfig(log_config("info", LogFormat.JSON))
    try:
        logging.getLogger(ACCESS_LOGGER).info(
            "GET /v1/org 200", extra={"method": "GET", "path": "/v1/org", "status": 200, "ms": 1.5, "org": "o1"}
        )
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    finally:
        logging.config.dictConfig(log_config("warning", LogFormat.TEXT))
    assert line["level"] == "INFO" and line["logger"] == ACCESS_LOGGER
    assert (line["method"], line["path"], line["status"], line["ms"], line["org"]) == ("GET", "/v1/org", 200, 1.5, "o1")


def test_bad_log_level_is_refused() -> None:
    with pytest.raises(ValueError, match="log_level"):
        Settings(log_level="loud")


def test_openapi_declares_bearer_auth_on_api_and_sandbox_operations(http: TestClient) -> None:
    schema = http.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    for path, item in schema["paths"].items():
        for operation in item.values():
            protected = path.startswith(("/v1", "/_sandbox"))
            assert (operation.get("security") == [{"bearerAuth": []}]) is protected, path


def test_swagger_try_it_out_sends_the_bearer_token(api: Api) -> None:
    """What Swagger UI sends after Authorize: `Authorization: Bearer <token>`."""
    assert api.http.get("/v1/org", headers={"Authorization": f"Bearer {api.token}"}).status_code == 200


def test_cors_is_off_by_default_and_configurable(database_url: str, api: Api) -> None:
    preflight = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"}
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        assert "access-control-allow-origin" not in client.options("/v1/org", headers=preflight).headers
    settings = Settings(database_url=database_url, cors_origins="http://localhost:3000, https://app.example")
    assert settings.cors_origins == ["http://localhost:3000", "https://app.example"]
    with TestClient(create_app(settings)) as client:
        answer = client.options("/v1/org", headers=preflight)
        assert answer.headers["access-control-allow-origin"] == "http://localhost:3000"
        got = client.get("/v1/org", headers={"Origin": "https://app.example", "Authorization": f"Bearer {api.token}"})
        assert got.headers["access-control-allow-origin"] == "https://app.example"
        other = client.options("/v1/org", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
