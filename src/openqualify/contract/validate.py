"""Checks one exchange against the contract: the request (operation, parameters, body) and the answer (status
declared, body against the schema). Needs `jsonschema-rs` (`pip install 'openqualify[proxy]'`): a compiled
validator, about 100 times faster than the pure-Python `jsonschema` on the API's lists (docs/decisions.md T10).

Answers are checked against the contract with the errata of docs/decisions.md #16 applied; where an answer
conforms only because of an erratum, the erratum is named (`Check.errata`), so a report shows where the real
service follows the contract's descriptions rather than its schemas.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jsonschema_rs

from openqualify.contract import Operation, find_operation, load_contract
from openqualify.contract.errata import ERRATA, Erratum, errata_for, without

SHARED_ERROR_STATUSES = frozenset({401, 403, 404, 429, 500, 501})
"""Statuses of the contract's shared error responses (`components.responses`): any operation may answer them."""
MAX_REPORTED = 10  # violations listed per message: the rest are counted
_ERROR_BODY: dict[str, Any] = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_PLAIN_STRING: dict[str, Any] = {"type": "string"}


@dataclass
class Check:
    operation: str | None  # "GET /offerings/{offeringId}", None outside the contract
    violations: list[str] = field(default_factory=list)
    errata: list[str] = field(default_factory=list)  # errata this answer needed, e.g. "#16.2"


@cache
def _original(erratum_key: str) -> dict[str, Any]:
    """The contract without one erratum: what the official document says there."""
    return without(load_contract(), next(e for e in ERRATA if e.key == erratum_key))


_VALIDATORS: dict[tuple[int, str | None], tuple[dict[str, Any], Any]] = {}


def _validator(schema: dict[str, Any], erratum_key: str | None = None) -> Any:
    """A compiled Draft 4 validator of `schema` (a node of the contract, whose `$ref`s point into it), built
    once per schema node: the node sits beside the contract's components in a root document of its own."""
    key = (id(schema), erratum_key)
    cached = _VALIDATORS.get(key)
    if cached is not None and cached[0] is schema:
        return cached[1]
    components = (load_contract() if erratum_key is None else _original(erratum_key))["components"]
    validator = jsonschema_rs.Draft4Validator({"components": components, "allOf": [schema]}, validate_formats=True)
    _VALIDATORS[key] = (schema, validator)  # the schema is kept, so its id is never reused
    return validator


def _errors(validator: Any, instance: Any, where: str) -> list[str]:
    found = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.instance_path])
    messages = []
    for error in found[:MAX_REPORTED]:
        at = "/".join(str(p) for p in error.instance_path)
        messages.append(f"{where}{'/' + at if at else ''}: {error.message[:300]}")
    if len(found) > MAX_REPORTED:
        messages.append(f"{where}: {len(found) - MAX_REPORTED} more violations")
    return messages


def _resolve_parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in parameter:
        name = parameter["$ref"].rsplit("/", 1)[-1]
        return dict(load_contract()["components"]["parameters"][name])
    return parameter


def _json_body(raw: bytes, where: str, violations: list[str]) -> tuple[bool, Any]:
    try:
        return True, json.loads(raw)
    except ValueError as error:
        violations.append(f"{where}: not JSON ({error})")
        return False, None


def check_request(
    method: str, path: str, query: list[tuple[str, str]], content_type: str | None, body: bytes | None
) -> Check:
    """`path` without /v1 and query; `body` None when it was not kept (over the cap: not checked)."""
    operation = find_operation(method, path)
    if operation is None:
        return Check(None, [f"request: {method} {path} is not an operation of the contract"])
    check = Check(operation.key)
    segments = dict(zip(operation.template.split("/"), path.rstrip("/").split("/"), strict=False))
    values: dict[str, list[str]] = {}
    for name, value in query:
        values.setdefault(name, []).append(value)
    for parameter in map(_resolve_parameter, operation.definition.get("parameters", [])):
        name, where = parameter["name"], parameter["in"]
        schema = parameter.get("schema", _PLAIN_STRING)
        if where == "path":
            value: Any = segments.get("{" + name + "}")
        elif where == "query":
            found = values.get(name)
            value = None if found is None else found[0] if len(found) == 1 or schema.get("type") == "string" else found
        else:
            continue
        if value is None:
            if parameter.get("required"):
                check.violations.append(f"request: {where} parameter {name} is required")
            continue
        check.violations += _errors(_validator(schema), value, f"request {where} parameter {name}")
    declared = operation.definition.get("requestBody")
    if declared is None:
        return check
    if not body:
        if declared.get("required"):
            check.violations.append("request: the body is required")
        return check
    schema = declared.get("content", {}).get("application/json", {}).get("schema")
    if content_type is None or "json" not in content_type:
        check.violations.append(f"request: the body should be application/json, not {content_type or 'untyped'}")
    parsed, instance = _json_body(body, "request body", check.violations)
    if parsed and schema is not None:
        check.violations += _errors(_validator(schema), instance, "request body")
    return check


def _response_schema(operation: Operation, status: int) -> tuple[bool, dict[str, Any] | None]:
    """(declared, schema of the JSON body or None)."""
    responses = operation.definition.get("responses", {})
    response = responses.get(str(status))
    if response is None:
        if status not in SHARED_ERROR_STATUSES:
            return False, None
        response = _ERROR_BODY
    if "$ref" in response:
        response = load_contract()["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    content = response.get("content", {}).get("application/json")
    return True, (content or {}).get("schema")


def check_response(method: str, path: str, status: int, content_type: str | None, body: bytes | None) -> Check:
    """`body` None when it was too large to keep (then only the status is checked)."""
    operation = find_operation(method, path)
    if operation is None:
        return Check(None)  # the request's check already says so
    check = Check(operation.key)
    declared, schema = _response_schema(operation, status)
    if not declared:
        check.violations.append(f"response: status {status} is not declared for {operation.key}")
        return check
    if schema is None or body is None:
        return check
    if not body:
        check.violations.append(f"response: {status} should have a JSON body")
        return check
    if content_type is None or "json" not in content_type:
        check.violations.append(f"response: the body should be application/json, not {content_type or 'untyped'}")
    parsed, instance = _json_body(body, "response body", check.violations)
    if not parsed:
        return check
    check.violations += _errors(_validator(schema), instance, "response body")
    if not check.violations:
        check.errata = [e.key for e in _needed(operation, schema, instance)]
    return check


def _needed(operation: Operation, schema: dict[str, Any], instance: Any) -> list[Erratum]:
    """The errata without which this conforming answer would break the official schema."""
    return [
        erratum
        for erratum in errata_for(operation.method, operation.template)
        if not _validator(_original_schema(operation, schema, erratum), erratum.key).is_valid(instance)
    ]


def _original_schema(operation: Operation, schema: dict[str, Any], erratum: Erratum) -> dict[str, Any]:
    """The response schema as the official document has it where the erratum changed the operation itself."""
    original = _original(erratum.key)
    for status, response in operation.definition.get("responses", {}).items():
        content = response.get("content", {}).get("application/json", {})
        if content.get("schema") == schema:
            found = original["paths"][operation.template][operation.method.lower()]["responses"][status]
            return dict(found["content"]["application/json"]["schema"])
    return schema
