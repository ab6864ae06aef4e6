"""The official contract as test data: operation lookup and response validation.

`../shared/iqualify-openapi.json` is reference data; when it is absent, contract checks are skipped.
A few places where the contract contradicts itself are corrected by `ERRATA` (see docs/decisions.md).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "iqualify-openapi.json"
API_PREFIX = "/v1"


def spec_available() -> bool:
    return SPEC_PATH.is_file()


def _erratum_array_of(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": schema}


def apply_errata(spec: dict[str, Any]) -> dict[str, Any]:
    """Correct the contract where its own descriptions and examples contradict its schemas."""
    spec = copy.deepcopy(spec)
    paths = spec["paths"]
    schemas = spec["components"]["schemas"]
    ok = "application/json"
    # 1. "Get activations" and "Get permissions" describe lists but declare one object.
    for path in ("/courses/{contentId}/activations", "/courses/{contentId}/permissions"):
        content = paths[path]["get"]["responses"]["200"]["content"][ok]
        content["schema"] = _erratum_array_of(content["schema"])
    # 2. A unit reaction's pageId is a page id (a string), typed boolean by mistake.
    schemas["UnitReactionsAnalyticsResponse"]["properties"]["pageId"] = {"type": "string"}
    # 3. The 207 item is "an added user or an error"; both schemas accept any object, so oneOf can
    #    never hold for either: anyOf is what was meant.
    multi = paths["/offerings/{offeringId}/users"]["post"]["responses"]["207"]["content"][ok]["schema"]
    multi["items"] = {"anyOf": multi["items"]["oneOf"]}
    # 4. Uploaded files of an activity attempt are a list (several files per attempt).
    attempt = schemas["ActivityAttemptOpenResponse"]["properties"]
    attempt["uploadedFiles"] = _erratum_array_of(attempt["uploadedFiles"])
    return spec


@cache
def load_spec(errata: bool = True) -> dict[str, Any]:
    spec = json.loads(SPEC_PATH.read_text())
    return apply_errata(spec) if errata else spec


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    pattern: re.Pattern[str]
    literal_segments: int
    definition: dict[str, Any]


@cache
def operations() -> list[Operation]:
    spec = load_spec()
    found: list[Operation] = []
    for path, item in spec["paths"].items():
        for method, definition in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path.rstrip("/"))) + "/?$"
            literals = sum(1 for seg in path.split("/") if seg and not seg.startswith("{"))
            found.append(Operation(method.upper(), path, re.compile(regex), literals, definition))
    return found


def find_operation(method: str, path: str) -> Operation | None:
    """The contract operation serving `method path` (path without `/v1`, without query)."""
    candidates = [op for op in operations() if op.method == method.upper() and op.pattern.match(path)]
    if not candidates:
        return None
    return max(candidates, key=lambda op: op.literal_segments)


@cache
def _registry() -> Registry:
    return Registry().with_resource("urn:contract", Resource(contents=load_spec(), specification=DRAFT4))


def _rebase_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: ("urn:contract" + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rebase_refs(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase_refs(v) for v in node]
    return node


def response_schema(operation: Operation, status: int) -> dict[str, Any] | None:
    """The JSON schema of the response body, or None when the contract declares no body."""
    responses = operation.definition.get("responses", {})
    response = responses.get(str(status))
    if response is None:
        return None
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[-1]
        response = load_spec()["components"]["responses"][name]
    content = response.get("content", {}).get("application/json")
    if not content or "schema" not in content:
        return None
    return _rebase_refs(content["schema"])


class ContractViolation(AssertionError):
    pass


def validate_response(method: str, path: str, status: int, body: Any) -> None:
    """Raise ContractViolation if a response breaks the contract (status undeclared or body off-schema)."""
    operation = find_operation(method, path)
    if operation is None:
        raise ContractViolation(f"{method} {path} is not an operation of the contract")
    declared = operation.definition.get("responses", {})
    if str(status) not in declared and status not in (400, 401, 403, 404, 500):
        raise ContractViolation(f"{method} {operation.path} answered {status}, not declared by the contract")
    schema = response_schema(operation, status)
    if schema is None:
        return
    validator = Draft4Validator(schema, registry=_registry(), format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path)
        raise ContractViolation(f"{method} {operation.path} {status}: at '{where}': {first.message}")
