"""The words of the API reference (`/openapi.json`, shown by `/docs`), kept apart from the routers.

Every operation's summary and description, the tags', the query and path parameters' descriptions and the types
the server really accepts for them live in this package, keyed by `"METHOD /path"`; `document(app)` applies them
when the OpenAPI document is built, so the routers stay thin and the text stays in one place that tests read
(`tests/contract/test_reference.py`: every operation described, parameters as the server accepts them, every
`$filter` example valid and answered on the demo; `test_contract_copy.py`: no text of the official contract
repeated). OperationIds are FastAPI's, unchanged.

- `operations.py`: the `/v1` operations (and `/health`, `/ready`).
- `sandbox.py`: the `/_sandbox` control plane.
- `event_hub.py`: the Event hub (`/event-hub`) and its query parameters.
- `queries.py`: `$top`, `$orderby`, `$filter` per list (fields, operators, functions, examples), the other query
  parameters, and the path parameters shared by many operations.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from openqualify.server.reference import event_hub
from openqualify.server.reference.operations import API, ERRORS, HEALTH, INTRODUCTION, Doc
from openqualify.server.reference.operations import TAGS as API_TAGS
from openqualify.server.reference.queries import PATH_PARAMETERS as SHARED_PATH_PARAMETERS
from openqualify.server.reference.queries import QUERY_PARAMETERS as API_QUERY_PARAMETERS
from openqualify.server.reference.sandbox import SANDBOX

OPERATIONS: dict[str, Doc] = {**HEALTH, **API, **SANDBOX, **event_hub.EVENT_HUB}
TAGS: dict[str, str] = {**API_TAGS, event_hub.TAG: event_hub.TAG_TEXT}
QUERY_PARAMETERS: dict[tuple[str, str], dict[str, Any]] = {**API_QUERY_PARAMETERS, **event_hub.EVENT_HUB_QUERIES}
PATH_PARAMETERS: dict[str, str] = {
    **SHARED_PATH_PARAMETERS,
    "eventId": "An event's id (`evt_...`), as the feed and the deliveries give it.",
    "faultId": "A fault rule's id, as `POST /_sandbox/faults` answered it.",
}
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")

__all__ = ["OPERATIONS", "PATH_PARAMETERS", "QUERY_PARAMETERS", "TAGS", "describe", "document"]


def describe(schema: dict[str, Any]) -> dict[str, Any]:
    """Put the reference's words into an OpenAPI document built by FastAPI (in place; returns it).

    Operations without an entry keep what FastAPI gave them (`tests/contract/test_reference.py` fails for them).
    """
    schema.setdefault("info", {})["description"] = INTRODUCTION
    used = {tag for item in schema.get("paths", {}).values() for op in _operations(item) for tag in op.get("tags", [])}
    schema["tags"] = [{"name": name, "description": text} for name, text in TAGS.items() if name in used]
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            doc = OPERATIONS.get(f"{method.upper()} {path}")
            if doc is not None:
                operation["summary"], operation["description"] = doc.summary, doc.description
            for parameter in operation.get("parameters", []):
                _parameter(f"{method.upper()} {path}", parameter)
            _responses(operation.get("responses", {}))
    _drop_unused_validation_schemas(schema)
    return schema


def _responses(responses: dict[str, Any]) -> None:
    """Error answers as they are: the flat `{name, details}` body, and no 422 (the server never answers one:
    invalid input is a 400 `SchemaValidationError`)."""
    responses.pop("422", None)
    for status, words in ERRORS.items():
        if status in responses:
            responses[status] = {
                "description": words,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}},
            }


ERROR_SCHEMA = "ErrorBody"
_ERROR_BODY: dict[str, Any] = {
    "type": "object",
    "title": ERROR_SCHEMA,
    "description": "Every failure's body.",
    "properties": {
        "name": {"type": "string", "description": "The error's name, e.g. `ObjectNotFoundError`."},
        "details": {"type": "string", "description": "What went wrong, in words."},
        "email": {"type": "string", "description": "In a 207 item: the e-mail of the person it is about."},
    },
    "required": ["name", "details"],
}


def _drop_unused_validation_schemas(schema: dict[str, Any]) -> None:
    """FastAPI's 422 models (`HTTPValidationError`, `ValidationError`) describe answers the server never gives."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_SCHEMA] = copy.deepcopy(_ERROR_BODY)
    fastapi_422 = ("HTTPValidationError", "ValidationError")
    others = {name: value for name, value in components.items() if name not in fastapi_422}
    text = str([schema.get("paths", {}), others])
    for name in fastapi_422:
        if f"#/components/schemas/{name}'" not in text:
            components.pop(name, None)


def _operations(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [operation for method, operation in item.items() if method in METHODS]


def _parameter(operation: str, parameter: dict[str, Any]) -> None:
    """One parameter's words and, for query parameters, the type the server really accepts (per operation)."""
    if parameter.get("in") == "path" and parameter["name"] in PATH_PARAMETERS:
        parameter["description"] = PATH_PARAMETERS[parameter["name"]]
    elif parameter.get("in") == "query" and (operation, parameter["name"]) in QUERY_PARAMETERS:
        parameter.pop("schema", None)
        parameter.update(copy.deepcopy(QUERY_PARAMETERS[(operation, parameter["name"])]))


def document(app: FastAPI) -> None:
    """Describe `app`'s OpenAPI document with this package's words (wraps `app.openapi`; built once)."""
    build: Callable[[], dict[str, Any]] = app.openapi
    described: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not described:
            described.append(describe(build()))
        return described[0]

    app.openapi = openapi  # type: ignore[method-assign]
