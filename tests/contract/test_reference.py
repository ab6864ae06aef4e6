"""The API reference (`/openapi.json`, `/docs`): every operation described in our words (`server/reference/`),
parameters typed as the server accepts them, every `$filter` example valid and answered on the demo, and Swagger
UI rendering it with nothing fetched from the internet.

(That no text repeats the official contract's prose is checked in `test_contract_copy.py`, the one module that
may read the official file.)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.utils import generate_unique_id

from openqualify.server.app import create_app
from openqualify.server.config import Settings
from openqualify.server.kit.odata import parse_filter, parse_orderby
from openqualify.server.offerings.repository import summary_fields
from openqualify.server.progress import service as progress_service
from openqualify.server.reference import OPERATIONS, PATH_PARAMETERS, QUERY_PARAMETERS, TAGS, queries
from tests.contract.spec import validate_response
from tests.fixtures.live import LiveServer

METHODS = {"get", "put", "post", "delete", "patch"}


def _app(mode: str) -> FastAPI:
    return create_app(Settings(database_url="sqlite:///:memory:", mode=mode))


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return _app("sandbox").openapi()


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    """The API routes of a route list, those of included routers too (mounted without a prefix here)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def test_every_operation_has_a_summary_and_a_description_of_its_own(schema: dict[str, Any]) -> None:
    """Every operation, API and sandbox, has an entry in `server/reference`; none is left to FastAPI's generated
    summary ("Get Org"); no entry names an operation that does not exist."""
    app = _app("sandbox")
    generated = {
        f"{method} {route.path}": route.name.replace("_", " ").title()
        for route in _routes(app.routes)
        for method in route.methods
    }
    found = dict(_operations(schema))
    assert len(found) >= 123
    missing = sorted(set(found) - set(OPERATIONS))
    assert not missing, f"describe these in src/openqualify/server/reference/: {missing}"
    assert not set(OPERATIONS) - set(found), "entries for operations that do not exist"
    for key, operation in found.items():
        assert (operation["summary"], operation["description"]) == OPERATIONS[key], key
        assert len(operation["summary"]) <= 60 and not operation["summary"].endswith("."), key
        assert operation["summary"] != generated[key], key
        assert len(operation["description"]) >= 40, key
    summaries = [operation["summary"] for operation in found.values()]
    assert len(set(summaries)) == len(summaries), "two operations share a summary"
    # Production mode: no sandbox operation, and the same words for the others.
    production = dict(_operations(_app("production").openapi()))
    assert production and all(not key.split(" ")[1].startswith("/_sandbox") for key in production)
    assert all(production[key]["description"] == OPERATIONS[key].description for key in production)


def test_operation_ids_are_fastapis_unchanged(schema: dict[str, Any]) -> None:
    """Describing operations changes no operationId (clients generated from the document keep their names)."""
    app = _app("sandbox")
    ids = {key: operation["operationId"] for key, operation in _operations(schema)}
    for route in (r for r in _routes(app.routes) if r.include_in_schema):
        for method in route.methods:
            assert ids[f"{method} {route.path}"] == generate_unique_id(route)
    assert ids["GET /v1/offerings/summary"] == "offerings_summary_v1_offerings_summary_get"


def test_error_answers_are_the_flat_body_and_never_422(schema: dict[str, Any]) -> None:
    """The server never answers 422 (invalid input is a 400 `SchemaValidationError`): the document says so."""
    body = schema["components"]["schemas"]["ErrorBody"]
    assert body["required"] == ["name", "details"]
    assert not {"HTTPValidationError", "ValidationError"} & set(schema["components"]["schemas"])
    for key, operation in _operations(schema):
        assert "422" not in operation["responses"], key
        for status in ("400", "401", "403", "404"):
            if status in operation["responses"]:
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorBody"}, key


def test_tags_and_introduction(schema: dict[str, Any]) -> None:
    used = {tag for _, operation in _operations(schema) for tag in operation.get("tags", [])}
    assert [t["name"] for t in schema["tags"]] == [name for name in TAGS if name in used]
    assert used <= set(TAGS) and all(t["description"] for t in schema["tags"])
    assert "Authorization: Bearer" in schema["info"]["description"] and "$skip" in schema["info"]["description"]


def test_every_parameter_is_described_and_typed(schema: dict[str, Any]) -> None:
    """Every path and query parameter has words; the query parameters this package types are the ones the
    operations declare (none stale, none added); the OData ones carry the server's bounds."""
    declared: set[tuple[str, str]] = set()
    for key, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), (key, parameter["name"])
            if parameter["in"] == "query":
                declared.add((key, parameter["name"]))
            if parameter["in"] == "path":
                assert parameter["name"] in PATH_PARAMETERS, (key, parameter["name"])
    assert set(QUERY_PARAMETERS) == declared
    for key in (queries.SUMMARY, queries.PROGRESS):
        parameters = {p["name"]: p for p in schema["paths"][key.split(" ")[1]]["get"]["parameters"]}
        assert parameters["$top"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}
        assert parameters["$filter"]["schema"]["maxLength"] == parameters["$orderby"]["schema"]["maxLength"] == 2000
        assert parameters["$filter"]["allowReserved"] is True
        assert set(parameters) == {"$top", "$orderby", "$filter"}  # no $skip: the server refuses it


def test_documented_fields_are_the_ones_the_server_declares() -> None:
    kinds = {name: field.kind for name, field in summary_fields().items()}
    assert kinds == queries.SUMMARY_FIELDS
    fields = progress_service._FILTER_FIELDS
    assert {name: field.kind for name, field in fields.items()} == queries.PROGRESS_FIELDS
    assert set(progress_service._ORDER_FIELDS) == set(queries.PROGRESS_FIELDS)
    assert {n: f.kind for n, f in progress_service._OFFERING_FIELDS.items()} == queries.PROGRESS_OFFERING_FIELDS


def _examples(key: str, name: str) -> list[Any]:
    return [example["value"] for example in QUERY_PARAMETERS[(key, name)]["examples"].values()]


def test_every_example_parses() -> None:
    for key in (queries.SUMMARY, queries.PROGRESS):
        for text in _examples(key, "$filter"):
            parse_filter(text)
    for text in _examples(queries.SUMMARY, "$orderby"):
        parse_orderby(text, summary_fields())
    for text in _examples(queries.PROGRESS, "$orderby"):
        parse_orderby(text, progress_service._ORDER_FIELDS)


def _get(server: LiveServer, path: str, **params: Any) -> httpx.Response:
    """A `/v1` request to the `serve --demo` process, its answer checked against the contract."""
    response = httpx.get(
        f"{server.base_url}/v1{path}", params=params, headers={"Authorization": f"Bearer {server.token}"}, timeout=60
    )
    validate_response("GET", path, response.status_code, response.json())
    return response


def _rows(body: Any) -> list[Any]:
    return body["data"]["progress"] if isinstance(body, dict) else body


def test_every_example_answers_on_the_demo(live_server: LiveServer) -> None:
    """Each `$filter` and `$orderby` example of the reference, sent as written to `serve --demo` (whose ids the
    examples use), answers 200 with rows; each `responseTime` example answers 200."""
    for key in (queries.SUMMARY, queries.PROGRESS):
        path = key.split(" ")[1].removeprefix("/v1")
        for text in _examples(key, "$filter"):
            response = _get(live_server, path, **{"$filter": text, "$top": "1000"})
            assert response.status_code == 200 and _rows(response.json()), (key, text, response.text)
        for text in _examples(key, "$orderby"):
            response = _get(live_server, path, **{"$orderby": text})
            assert response.status_code == 200 and _rows(response.json()), (key, text)
    offering = _get(live_server, "/offerings/current").json()[0]["id"]
    for value in _examples(queries.PULSE_RESPONSES, "responseTime"):
        response = _get(live_server, f"/offerings/{offering}/analytics/pulses/responses", responseTime=value)
        assert response.status_code == 200, response.text


def test_the_server_accepts_what_the_parameters_declare(live_server: LiveServer) -> None:
    """The declared bounds are the server's: `$top` 1..1000, `$filter` and `$orderby` up to 2000 characters,
    `days` 0..36500, the role flags and `pulseType` their enums; `$skip` is refused."""
    for key in (queries.SUMMARY, queries.PROGRESS):
        path = key.split(" ")[1].removeprefix("/v1")
        for top, status in (("1", 200), ("1000", 200), ("0", 400), ("1001", 400), ("ten", 400)):
            assert _get(live_server, path, **{"$top": top}).status_code == status, (path, top)
        long = " or ".join(["id eq '" + "x" * 88 + "'"] * 20)  # the most terms, nearly the longest filter
        assert len(long) <= 2000 and _get(live_server, path, **{"$filter": long}).status_code == 200
        assert _get(live_server, path, **{"$filter": long + " or id eq 'y'"}).status_code == 400
        assert _get(live_server, path, **{"$filter": " or ".join(["id eq 'y'"] * 21)}).status_code == 400
        literal = "id eq '" + "x" * 501 + "'"
        assert _get(live_server, path, **{"$filter": literal}).status_code == 400
        assert _get(live_server, path, **{"$skip": "10"}).status_code == 400
    offering = _get(live_server, "/offerings/current").json()[0]["id"]
    pending = f"/offerings/{offering}/learners/pending-submission"
    for days, status in (("0", 200), ("36500", 200), ("36501", 400), ("-1", 400)):
        assert _get(live_server, pending, days=days).status_code == status, days
    members = f"/offerings/{offering}/users"
    assert _get(live_server, members, learners="false").status_code == 200
    assert _get(live_server, members, learners="no").status_code == 400
    pulses = f"/offerings/{offering}/analytics/pulses/responses"
    enum = QUERY_PARAMETERS[(queries.PULSE_RESPONSES, "pulseType")]["schema"]["enum"]
    assert all(_get(live_server, pulses, pulseType=kind).status_code == 200 for kind in enum)
    assert _get(live_server, pulses, pulseType="poll").status_code == 400


@pytest.mark.browser
def test_docs_render_offline_in_chromium(live_server: LiveServer, tmp_path: Any) -> None:
    """Swagger UI at `/docs` shows every operation with its summary, loading nothing but this server's files."""
    from bench._browser import browser_missing, launch, screenshot

    if reason := browser_missing():
        pytest.skip(reason)
    expected = len(dict(_operations(httpx.get(f"{live_server.base_url}/openapi.json", timeout=60).json())))
    driver = launch(1440, 900)
    try:
        driver.get(f"{live_server.base_url}/docs")
        deadline = time.monotonic() + 60
        while len(driver.find_elements("css selector", ".opblock")) < expected:
            assert time.monotonic() < deadline, "Swagger UI did not render every operation"
            time.sleep(0.1)
        shown = {e.text for e in driver.find_elements("css selector", ".opblock-summary-description")}
        assert OPERATIONS["GET /v1/offerings/summary"].summary in shown
        assert OPERATIONS["POST /_sandbox/demo"].summary in shown
        assert "Authorization: Bearer" in driver.find_element("css selector", ".information-container").text
        loaded = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert loaded and all(url.startswith(live_server.base_url) or url.startswith("data:") for url in loaded)
        # Open the summary list: its $filter parameter shows the grammar and its examples.
        block = driver.find_element("css selector", "#operations-Offerings-offerings_summary_v1_offerings_summary_get")
        block.find_element("css selector", ".opblock-summary").click()
        deadline = time.monotonic() + 30
        while "offerings/any" not in block.text and "learnersCount" not in block.text:
            assert time.monotonic() < deadline, block.text[:2000]
            time.sleep(0.1)
        assert "integer" in block.text and "contains(name,'Safety')" in block.get_attribute("innerHTML")
        screenshot(driver, tmp_path / "docs.png")
    finally:
        driver.quit()
