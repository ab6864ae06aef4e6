"""`GET /health` (liveness) and `GET /ready` (readiness), outside `/v1`, without a token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from openqualify.server.health import service

router = APIRouter(tags=["Health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


@router.get("/ready", response_model=None)
async def ready(request: Request) -> JSONResponse:
    """The database answers and is migrated: 200, or 503 with what is wrong."""
    is_ready, checks = await service.readiness(request.app.state.engine, request.app.state.database_damaged)
    return JSONResponse({"status": "ok" if is_ready else "unavailable", "checks": checks}, 200 if is_ready else 503)
