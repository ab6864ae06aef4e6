"""The official iQualify contract's structure, shipped in the package (docs/decisions.md N1).

`contract.json` is derived from the official OpenAPI file by `scripts/derive_contract.py`: paths, methods,
parameters, status codes, schemas and security, with the errata of docs/decisions.md #16 applied and the prose
dropped. The server's fault rules name its route templates, the recording proxy validates exchanges against it,
the mirror walks its read operations, and the tests check every answer with it. Standard library only:
validation (`openqualify.contract.validate`) needs `jsonschema` (the `proxy` extra).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

API_PREFIX = "/v1"
METHODS = ("get", "post", "put", "patch", "delete")

ERROR_NAMES: dict[int, str] = {
    400: "SchemaValidationError",
    401: "NotAuthorizedError",
    403: "AccessDeniedError",
    404: "ObjectNotFoundError",
    429: "TooManyRequestsError",
    500: "ServerError",
    501: "NotImplementedError",
    502: "ServerError",
    503: "ServerError",
    504: "ServerError",
}
"""The error name the contract gives each status it declares (its shared responses and examples); 502-504 are
not in the contract and take `ServerError`, its name for server-side failures (decision R4)."""


def contract_text() -> str:
    return (files(__package__) / "contract.json").read_text(encoding="utf-8")


@cache
def load_contract() -> dict[str, Any]:
    """The contract with its errata applied (parsed once per process; treat it as read-only)."""
    loaded: dict[str, Any] = json.loads(contract_text())
    return loaded


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    template: str  # the contract's path template, without /v1
    pattern: re.Pattern[str]
    literal_segments: int
    definition: dict[str, Any]

    @property
    def key(self) -> str:
        """`GET /offerings/{offeringId}`: how reports name an operation."""
        return f"{self.method} {self.template}"


@cache
def operations() -> tuple[Operation, ...]:
    found: list[Operation] = []
    for template, item in load_contract()["paths"].items():
        for method, definition in item.items():
            if method not in METHODS:
                continue
            regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template.rstrip("/"))) + "/?$"
            literals = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))
            found.append(Operation(method.upper(), template, re.compile(regex), literals, definition))
    return tuple(found)


@cache
def templates() -> frozenset[str]:
    return frozenset(op.template for op in operations())


def find_operation(method: str, path: str) -> Operation | None:
    """The operation serving `method path` (path without /v1 and query); static segments win over parameters,
    as the server routes (`/offerings/current` before `/offerings/{offeringId}`)."""
    method = method.upper()
    candidates = [op for op in operations() if op.method == method and op.pattern.match(path)]
    if not candidates:
        return None
    return max(candidates, key=lambda op: op.literal_segments)


def find_template(path: str) -> str | None:
    """The route template a path falls under whatever the method (None outside the contract)."""
    candidates = [op for op in operations() if op.pattern.match(path)]
    if not candidates:
        return None
    return max(candidates, key=lambda op: op.literal_segments).template


def error_name(status: int) -> str:
    """The contract's error name for a status (`ServerError` for any other 5xx, `ApiValidationError`-free 4xx
    fall back to `SchemaValidationError`)."""
    if status in ERROR_NAMES:
        return ERROR_NAMES[status]
    return "ServerError" if status >= 500 else "SchemaValidationError"
