"""The official contract as test data: operation lookup and response validation.

`openqualify/contract/contract.json` is the repository's copy of the contract's structure (shipped in the package,
decision N1), derived from the official file by
`scripts/derive_contract.py` (prose stripped, the errata of docs/decisions.md #16 applied);
`test_contract_copy.py` checks that it is current whenever the official file is beside the checkout.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

import openqualify.contract

SPEC_PATH = Path(openqualify.contract.__file__).resolve().parent / "contract.json"
API_PREFIX = "/v1"


@cache
def load_spec() -> dict[str, Any]:
    """The contract with its errata applied."""
    return json.loads(SPEC_PATH.read_text())


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
