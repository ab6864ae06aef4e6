"""The repository's copy of the contract (`src/openqualify/contract/contract.json`) is what
`scripts/derive_contract.py` derives from the official file, when that file is beside the checkout
(`../shared/iqualify-openapi.json`)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.contract.spec import SPEC_PATH, load_spec

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("derive_contract", ROOT / "scripts" / "derive_contract.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _walk(node: Any, names: bool = False) -> list[str]:
    """Every keyword used in the document (keys of name maps excluded)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if not names:
                found.append(key)
            found += _walk(
                value,
                names=not names
                and key in {"properties", "paths", "schemas", "parameters", "responses", "content", "securitySchemes"},
            )
    elif isinstance(node, list):
        for item in node:
            found += _walk(item)
    return found


def test_copy_is_current_with_the_official_file() -> None:
    script = _script()
    if not script.OFFICIAL.is_file():
        pytest.skip(f"{script.OFFICIAL} is absent: nothing to compare the copy with")
    official = json.loads(script.OFFICIAL.read_text())
    assert SPEC_PATH.read_text() == script.render(script.derive(official)), "run scripts/derive_contract.py"


def test_copy_has_the_structure_without_the_prose() -> None:
    spec = load_spec()
    operations = [(m, p) for p, item in spec["paths"].items() for m in item]
    assert len(operations) == 84
    keywords = set(_walk(spec))
    assert not keywords & {"summary", "example", "examples", "tags"}
    text = SPEC_PATH.read_text()
    refs = set(re.findall(r'"#/components/([A-Za-z]+)/([^"]+)"', text))
    assert refs and all(name in spec["components"].get(kind, {}) for kind, name in refs)  # nothing dangles
    descriptions = [d for d in _strings(spec, "description")]
    assert descriptions and set(descriptions) == {""}  # kept empty where OpenAPI requires the key
    # The errata are applied: the four corrections of docs/decisions.md #16.
    ok = "application/json"
    activations = spec["paths"]["/courses/{contentId}/activations"]["get"]["responses"]["200"]["content"][ok]
    assert activations["schema"]["type"] == "array"
    assert spec["components"]["schemas"]["UnitReactionsAnalyticsResponse"]["properties"]["pageId"] == {"type": "string"}
    multi = spec["paths"]["/offerings/{offeringId}/users"]["post"]["responses"]["207"]["content"][ok]["schema"]
    assert "anyOf" in multi["items"]
    attempt = spec["components"]["schemas"]["ActivityAttemptOpenResponse"]["properties"]
    assert attempt["uploadedFiles"]["type"] == "array"


def _strings(node: Any, key: str, names: bool = False) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for k, value in node.items():
            if k == key and not names and isinstance(value, str):
                found.append(value)
            found += _strings(value, key, names=not names and k in {"properties", "paths", "schemas"})
    elif isinstance(node, list):
        for item in node:
            found += _strings(item, key)
    return found


def test_nothing_in_tests_reads_the_folder_beside_the_checkout() -> None:
    """Only this module (through the script) may look at the official file; every other test uses the copy."""
    forbidden = re.compile(r"iqualify-openapi\.json|\.\./shared|/work/shared|[\"']shared[\"']\s*/")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if path.name != Path(__file__).name and forbidden.search(path.read_text())
    ]
    assert offenders == []


def _words(text: str) -> list[str]:
    """Lower-cased words of prose: code spans and URLs (names, not prose) left out."""
    text = re.sub(r"`[^`]*`|https?://\S+", " ", text)
    return re.findall(r"[a-z0-9]+", text.lower())


def test_the_reference_does_not_repeat_the_contracts_prose() -> None:
    """The words of `/docs` (`server/reference/`) are ours: no summary equals one of the official file's texts, and
    no summary or description shares a run of five words with its descriptions and summaries (issue 18)."""
    from openqualify.server.reference import OPERATIONS, PATH_PARAMETERS, QUERY_PARAMETERS, TAGS
    from openqualify.server.reference.operations import INTRODUCTION

    script = _script()
    if not script.OFFICIAL.is_file():
        pytest.skip(f"{script.OFFICIAL} is absent: nothing to compare the reference with")
    official = json.loads(script.OFFICIAL.read_text())
    theirs = [*_strings(official, "description"), *_strings(official, "summary")]
    theirs += [official["info"]["description"]]
    assert len(theirs) > 100

    def runs(text: str, n: int = 5) -> set[tuple[str, ...]]:
        words = _words(text)
        return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}

    copied = set().union(*(runs(text) for text in theirs))
    exact = {" ".join(_words(text)) for text in theirs}
    ours = [text for doc in OPERATIONS.values() for text in doc]
    ours += [p["description"] for p in QUERY_PARAMETERS.values()] + list(PATH_PARAMETERS.values())
    ours += [*TAGS.values(), INTRODUCTION]
    for text in ours:
        assert not runs(text) & copied, (text, sorted(runs(text) & copied))
    for doc in OPERATIONS.values():
        assert " ".join(_words(doc.summary)) not in exact, doc.summary


def test_the_repository_keeps_the_copy_where_the_tests_data_lives() -> None:
    """`tests/contract/data/contract.json` is the packaged copy itself (a link), never a second file to keep."""
    kept = ROOT / "tests" / "contract" / "data" / "contract.json"
    assert kept.is_symlink() and kept.resolve() == (ROOT / "src" / "openqualify" / "contract" / "contract.json")
