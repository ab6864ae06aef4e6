"""The web console (`/console`): an organisation's learning as pages and charts, served by the server itself.

Everything it loads (templates, script, style, font) ships in this package; nothing comes from another origin.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from openqualify.server.config import Settings
from openqualify.server.console.router import PREFIX, router, sandbox_router

__all__ = ["PREFIX", "install_console"]


def install_console(app: FastAPI, settings: Settings) -> None:
    """Add the console's routes (the sandbox page only in sandbox mode) and its static files."""
    app.router.routes.extend(router.routes)
    if settings.sandbox_enabled:
        app.router.routes.extend(sandbox_router.routes)
    app.mount(f"{PREFIX}/static", StaticFiles(packages=[("openqualify.server.console", "static")]), name="console")
