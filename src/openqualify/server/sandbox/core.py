"""Sandbox control plane: core (to be written)."""

from __future__ import annotations

from openqualify.server.kit.routing import api_router

router = api_router(tags=["Sandbox"], prefix="/_sandbox")
