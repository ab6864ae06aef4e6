"""`openqualify sandbox faults add|list|delete|clear` through the SDK against the app."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from openqualify.cli.api import set_client_factory
from openqualify.cli.main import app
from openqualify.client import Client
from tests.fixtures.api import Api


@pytest.fixture
def run(api: Api, http: TestClient) -> Iterator[object]:
    base = "http://testserver/v1"
    set_client_factory(lambda base_url, token: Client(base_url=base, token=api.token, http_client=http))
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args), env={"OPENQUALIFY_TABLES": "tsv"})
        return result.exit_code, result.output

    yield invoke
    set_client_factory(None)


def test_add_list_delete_and_clear(run, api: Api) -> None:  # type: ignore[no-untyped-def]
    code, out = run("sandbox", "faults", "add", "--method", "GET", "--path", "/v1/offerings/{offeringId}/users",
                    "--status", "503", "--retry-after", "5", "--probability", "0.25", "--seed", "7",
                    "--json")  # fmt: skip
    assert code == 0, out
    rule = json.loads(out)
    assert rule["status"] == 503 and rule["retryAfter"] == 5 and rule["seed"] == 7
    drawn = '{"distribution": "lognormal", "median": 200, "sigma": 0.5}'
    code, out = run("sandbox", "faults", "add", "--latency", drawn)
    assert code == 0, out
    code, out = run("sandbox", "faults", "list")
    lines = out.splitlines()
    assert lines[0] == "ID\tMatch\tFault\tWhen\tMatched\tHits"
    assert lines[1].split("\t")[1:] == ["GET /v1/offerings/{offeringId}/users", "503 ServerError", "p=0.25 seed=7", "0",
                                        "0"]  # fmt: skip
    assert lines[2].split("\t")[2] == "+lognormal(median=200, sigma=0.5) ms"
    assert run("sandbox", "faults", "delete", rule["id"]) == (0, f"Deleted fault rule {rule['id']}.\n")
    assert run("sandbox", "faults", "clear") == (0, "Deleted 1 fault rule.\n")
    assert api.sandbox.get("/faults").json() == []


def test_a_refused_rule_is_a_client_error(run) -> None:  # type: ignore[no-untyped-def]
    code, out = run("sandbox", "faults", "add", "--path", "/nope", "--status", "503")
    assert code == 2 and "SchemaValidationError (400)" in out
    assert run("sandbox", "faults", "add", "--latency", "{bad")[0] == 1


def test_a_delivery_rule_is_added_and_listed_with_its_target(run, api: Api) -> None:  # type: ignore[no-untyped-def]
    code, out = run("sandbox", "faults", "add", "--target", "deliveries", "--event-type", "user.created",
                    "--url", "http://127.0.0.1:9/*", "--duplicate", "--drop-first", "2",
                    "--reorder-window-ms", "500", "--probability", "0.5", "--seed", "7", "--json")  # fmt: skip
    assert code == 0, out
    rule = json.loads(out)
    assert rule["target"] == "deliveries" and rule["match"] == {"eventType": "user.created", "url": "http://127.0.0.1:9/*"}
    assert rule["duplicate"] is True and rule["dropFirst"] == 2 and rule["reorderWindowMs"] == 500
    code, out = run("sandbox", "faults", "list")
    assert out.splitlines()[1].split("\t")[1:] == [
        "deliveries user.created http://127.0.0.1:9/*", "drop first 2, duplicate, reorder within 500 ms",
        "p=0.5 seed=7", "0", "0",
    ]
    code, out = run("sandbox", "faults", "add", "--target", "deliveries", "--method", "GET", "--duplicate")
    assert code == 2 and "data.match.method is for a rule with target requests" in out
    code, out = run("sandbox", "faults", "add", "--event-type", "user.created", "--status", "503")
    assert code == 2 and "data.match.eventType is for a rule with target deliveries" in out
    assert run("sandbox", "faults", "add", "--target", "trains", "--duplicate")[0] == 1
    assert len(api.sandbox.get("/faults").json()) == 1
