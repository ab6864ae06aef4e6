"""The contract's errata (docs/decisions.md #16): where its schemas contradict its own descriptions and examples.

`scripts/derive_contract.py` applies them to the copy in this package; the recording proxy names them when an
answer conforms only thanks to one (the real service agreeing with the description rather than the schema).
Each erratum can be applied to the official document and reverted on the derived copy.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

JSON = "application/json"


@dataclass(frozen=True)
class Erratum:
    key: str  # "#16.1"
    summary: str
    operations: tuple[tuple[str, str], ...]  # (METHOD, template) whose requests or answers it concerns
    apply: Callable[[dict[str, Any]], None]
    revert: Callable[[dict[str, Any]], None]


_LISTS = ("/courses/{contentId}/activations", "/courses/{contentId}/permissions")


def _lists_apply(spec: dict[str, Any]) -> None:
    for path in _LISTS:
        content = spec["paths"][path]["get"]["responses"]["200"]["content"][JSON]
        content["schema"] = {"type": "array", "items": content["schema"]}


def _lists_revert(spec: dict[str, Any]) -> None:
    for path in _LISTS:
        content = spec["paths"][path]["get"]["responses"]["200"]["content"][JSON]
        content["schema"] = content["schema"]["items"]


def _page_id_apply(spec: dict[str, Any]) -> None:
    spec["components"]["schemas"]["UnitReactionsAnalyticsResponse"]["properties"]["pageId"] = {"type": "string"}


def _page_id_revert(spec: dict[str, Any]) -> None:
    spec["components"]["schemas"]["UnitReactionsAnalyticsResponse"]["properties"]["pageId"] = {"type": "boolean"}


def _multi_status_items(spec: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = spec["paths"]["/offerings/{offeringId}/users"]["post"]["responses"]["207"]["content"][
        JSON
    ]["schema"]
    return schema


def _multi_status_apply(spec: dict[str, Any]) -> None:
    schema = _multi_status_items(spec)
    schema["items"] = {"anyOf": schema["items"]["oneOf"]}


def _multi_status_revert(spec: dict[str, Any]) -> None:
    schema = _multi_status_items(spec)
    schema["items"] = {"oneOf": schema["items"]["anyOf"]}


def _uploaded_files_apply(spec: dict[str, Any]) -> None:
    attempt = spec["components"]["schemas"]["ActivityAttemptOpenResponse"]["properties"]
    attempt["uploadedFiles"] = {"type": "array", "items": attempt["uploadedFiles"]}


def _uploaded_files_revert(spec: dict[str, Any]) -> None:
    attempt = spec["components"]["schemas"]["ActivityAttemptOpenResponse"]["properties"]
    attempt["uploadedFiles"] = attempt["uploadedFiles"]["items"]


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        "#16.1",
        "course activations and permissions are lists (the schema declares one object)",
        (("GET", "/courses/{contentId}/activations"), ("GET", "/courses/{contentId}/permissions")),
        _lists_apply,
        _lists_revert,
    ),
    Erratum(
        "#16.2",
        "a unit reaction's pageId is a string (the schema says boolean)",
        (("GET", "/offerings/{offeringId}/analytics/unit-reactions"),),
        _page_id_apply,
        _page_id_revert,
    ),
    Erratum(
        "#16.3",
        "a 207 item is an added user or an error, anyOf (the schema's oneOf can never hold)",
        (("POST", "/offerings/{offeringId}/users"),),
        _multi_status_apply,
        _multi_status_revert,
    ),
    Erratum(
        "#16.4",
        "an activity attempt's uploadedFiles is a list (the schema declares one file)",
        (("GET", "/offerings/{offeringId}/analytics/activities/responses"),),
        _uploaded_files_apply,
        _uploaded_files_revert,
    ),
)


def apply_errata(official: dict[str, Any]) -> dict[str, Any]:
    """The official document with every erratum applied (a copy)."""
    spec = copy.deepcopy(official)
    for erratum in ERRATA:
        erratum.apply(spec)
    return spec


def without(spec: dict[str, Any], erratum: Erratum) -> dict[str, Any]:
    """The derived contract with one erratum reverted: what the official schema says there."""
    original = copy.deepcopy(spec)
    erratum.revert(original)
    return original


def errata_for(method: str, template: str) -> tuple[Erratum, ...]:
    return tuple(e for e in ERRATA if (method.upper(), template) in e.operations)
