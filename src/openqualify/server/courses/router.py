"""Routes of this resource (to be written)."""

from __future__ import annotations

from openqualify.server.kit.routing import api_router

router = api_router(tags=["courses"])
