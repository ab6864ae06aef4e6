"""Every operation of the official contract is routed (method and path shape)."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from openqualify.server.app import create_app
from openqualify.server.config import Mode, Settings
from tests.contract.spec import load_spec


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path.rstrip("/") or "/")


def _routed(mode: Mode) -> set[tuple[str, str]]:
    app = create_app(Settings(database_url="sqlite:///:memory:", mode=mode))
    routes = set()
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path.startswith("/v1"):
            for method in route.methods:
                routes.add((method, _shape(route.path[3:] or "/")))
    return routes


def test_all_operations_are_routed() -> None:
    routed = _routed(Mode.SANDBOX)
    missing = [
        f"{method.upper()} {path}"
        for path, item in load_spec()["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"} and (method.upper(), _shape(path)) not in routed
    ]
    assert missing == [], f"{len(missing)} operations not routed"


def test_production_mode_has_no_sandbox() -> None:
    app = create_app(Settings(database_url="sqlite:///:memory:", mode=Mode.PRODUCTION))
    assert not [r for r in app.routes if getattr(r, "path", "").startswith("/_sandbox")]
