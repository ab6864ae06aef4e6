"""The console reads through the resources' services and repositories: no SQL, no model, no session of its own."""

from __future__ import annotations

import ast
from importlib.resources import files
from pathlib import Path

# What building SQL or reaching the tables directly would need.
FORBIDDEN_MODULES = ("openqualify.server.db",)
FORBIDDEN_SQLALCHEMY = {"select", "text", "insert", "update", "delete", "func", "and_", "or_", "Table", "exists"}


def _imports(tree: ast.AST) -> list[tuple[str, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


def test_the_console_writes_no_sql() -> None:
    package = Path(str(files("openqualify.server.console")))
    modules = sorted(package.rglob("*.py"))
    assert len(modules) >= 10
    offending = []
    for path in modules:
        for module, name in _imports(ast.parse(path.read_text())):
            builds_sql = module.startswith("sqlalchemy") and name in FORBIDDEN_SQLALCHEMY
            if module.startswith(FORBIDDEN_MODULES) or builds_sql:
                offending.append(f"{path.relative_to(package)}: from {module} import {name}")
    assert offending == []
