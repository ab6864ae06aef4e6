"""Derive the repository's copy of the contract from the official iQualify OpenAPI file.

The copy keeps the machine-readable structure the tests need (paths, methods, parameters, status codes, request
and response schemas, security) with the errata of docs/decisions.md #16 applied, and drops the prose
(descriptions, summaries, titles, examples, tags, vendor extensions). Run it when the official file changes:

    .venv/bin/python scripts/derive_contract.py [OFFICIAL_JSON] [--check]

OFFICIAL_JSON defaults to ../shared/iqualify-openapi.json beside the checkout; --check exits 1 when the copy in
the repository differs from what would be derived (tests/contract/test_contract_copy.py runs the same check).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from openqualify.contract.errata import apply_errata  # one list of errata: the proxy names them too

ROOT = Path(__file__).resolve().parent.parent
OFFICIAL = ROOT.parent / "shared" / "iqualify-openapi.json"
COPY = ROOT / "src" / "openqualify" / "contract" / "contract.json"  # shipped in the package (decision N1)

# Keys whose string values are prose. In a map of names (properties, paths, ...) the keys are names, not keywords.
PROSE_STRINGS = {"description", "summary", "title"}
PROSE_ANY = {"example", "examples", "tags", "externalDocs"}
NAME_MAPS = {
    "properties",
    "paths",
    "schemas",
    "parameters",
    "responses",
    "content",
    "securitySchemes",
    "headers",
    "patternProperties",
    "definitions",
    "requestBodies",
}


def _strip(node: Any, names: bool = False) -> Any:
    """`node` without prose; `names`: node is a map whose keys are names (keep every key, strip the values)."""
    if isinstance(node, list):
        return [_strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    if names:
        return {key: _strip(value) for key, value in node.items()}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in PROSE_ANY or (key in PROSE_STRINGS and isinstance(value, str)):
            continue
        out[key] = _strip(value, names=key in NAME_MAPS and isinstance(value, dict))
    return out


def derive(official: dict[str, Any]) -> dict[str, Any]:
    spec = _strip(apply_errata(official))
    spec["info"] = {"title": official["info"]["title"], "version": official["info"]["version"]}
    # OpenAPI requires a description on every response object: keep the key, without the prose.
    for item in spec["paths"].values():
        for operation in item.values():
            for response in operation.get("responses", {}).values():
                if "$ref" not in response:
                    response["description"] = ""
    for response in spec["components"].get("responses", {}).values():
        response["description"] = ""
    return spec


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    official_path = Path(args[0]) if args else OFFICIAL
    text = render(derive(json.loads(official_path.read_text())))
    if check:
        current = COPY.read_text() if COPY.is_file() else ""
        if current != text:
            print(f"{COPY.relative_to(ROOT)} is not current: run scripts/derive_contract.py", file=sys.stderr)
            return 1
        print(f"{COPY.relative_to(ROOT)} is current")
        return 0
    COPY.parent.mkdir(parents=True, exist_ok=True)
    COPY.write_text(text)
    print(f"wrote {COPY.relative_to(ROOT)} from {official_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
