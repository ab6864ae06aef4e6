"""`/_sandbox/requests`: the organisation's last requests (newest first), and clearing them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response

from openqualify.server.kit.deps import PrincipalDep
from openqualify.server.kit.routing import api_router
from openqualify.server.sandbox.journal.schemas import JournalEntry
from openqualify.server.sandbox.journal.store import JournalStore

router = api_router(tags=["Sandbox"], prefix="/_sandbox")


def _store(request: Request) -> JournalStore:
    store: JournalStore = request.app.state.journal
    return store


@router.get("/requests", response_model=list[JournalEntry])
async def list_requests(
    principal: PrincipalDep, request: Request, limit: Annotated[int | None, Query(ge=1)] = None
) -> list[dict[str, Any]]:
    """The organisation's last requests to `/v1` and `/_sandbox` served by this process, newest first:
    status, timing, headers (never the Authorization header) and bodies (each kept up to
    `OPENQUALIFY_JOURNAL_BODY_BYTES`). At most `OPENQUALIFY_JOURNAL_SIZE` are kept."""
    return _store(request).list(principal.org_id, limit)


@router.delete("/requests", status_code=204)
async def clear_requests(principal: PrincipalDep, request: Request) -> Response:
    """Forget the organisation's journal."""
    _store(request).clear(principal.org_id)
    return Response(status_code=204)
