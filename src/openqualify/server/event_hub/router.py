"""`/event-hub`: the Event hub's settings, signing secret, event feed, deliveries, redelivery and test events.

Outside `/v1` (iQualify's API has no such operations), authenticated by the organisation's token like `/v1`, in
the sandbox and in production. Answers are JSON built by the service (events keep their null values inside
`data`), documented by the response models.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Query, Request

from openqualify.server.event_hub import schemas, service
from openqualify.server.kit.deps import PrincipalDep, SessionDep
from openqualify.server.kit.json_rows import JSONBytes
from openqualify.server.kit.routing import api_router

router = api_router(tags=["Event hub"], prefix="/event-hub")


def _allow_private(request: Request) -> bool:
    """The sandbox sends to any address (integrators receive on localhost); production only where allowed."""
    hub = getattr(request.app.state, "event_hub", None)
    allowed = bool(hub is not None and hub.config.event_hub_allow_private)
    return bool(request.app.state.settings.sandbox_enabled or allowed)


@router.get("/event-types", response_model=schemas.EventTypesOut)
async def event_types(principal: PrincipalDep) -> JSONBytes:
    """Every event type, with its category, iQualify's label and what raises it."""
    return JSONBytes(service.event_types())


@router.get("/settings", response_model=schemas.SettingsOut)
async def get_settings(principal: PrincipalDep, session: SessionDep) -> JSONBytes:
    return JSONBytes(await service.get_settings(session))


@router.put("/settings", response_model=schemas.SettingsOut)
async def put_settings(
    request: Request, principal: PrincipalDep, session: SessionDep, body: schemas.SettingsIn
) -> JSONBytes:
    """Replace the whole document (read-only fields may be sent back; they are ignored)."""
    allow = _allow_private(request)
    return JSONBytes(await service.put_settings(session, principal, body, allow_private=allow))


@router.patch("/settings", response_model=schemas.SettingsOut)
async def patch_settings(
    request: Request, principal: PrincipalDep, session: SessionDep, patch: Annotated[dict[str, Any], Body()]
) -> JSONBytes:
    """A JSON merge patch (RFC 7396) of the document: objects merge, lists replace, `null` removes."""
    allow = _allow_private(request)
    return JSONBytes(await service.patch_settings(session, principal, patch, allow_private=allow))


@router.post("/signing-secret/rotate", response_model=schemas.SecretOut)
async def rotate_secret(principal: PrincipalDep, session: SessionDep) -> JSONBytes:
    """A new secret; for 24 hours deliveries carry a signature by each of the new and the previous one."""
    return JSONBytes(await service.rotate_secret(session, principal))


@router.get("/events", response_model=schemas.EventPageOut)
async def list_events(
    principal: PrincipalDep,
    session: SessionDep,
    after: Annotated[str | None, Query(max_length=20)] = None,
    type: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int | None, Query()] = None,
) -> JSONBytes:
    """The organisation's events in commit order; pass `next` back as `after` to continue."""
    return JSONBytes(await service.list_events(session, after, type, limit))


@router.post("/events/{eventId}/redeliver", status_code=202, response_model=schemas.RedeliveredOut)
async def redeliver_event(principal: PrincipalDep, session: SessionDep, eventId: str) -> JSONBytes:
    return JSONBytes(await service.redeliver_event(session, principal, eventId), status_code=202)


@router.get("/deliveries", response_model=schemas.DeliveryPageOut)
async def list_deliveries(
    principal: PrincipalDep,
    session: SessionDep,
    eventId: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    endpoint: Annotated[str | None, Query(max_length=2048)] = None,
    after: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int | None, Query()] = None,
) -> JSONBytes:
    """Deliveries (event x endpoint), newest first, each with its attempts; `next` continues the list."""
    return JSONBytes(await service.list_deliveries(session, eventId, status, endpoint, after, limit))


@router.post("/redeliver", status_code=202, response_model=schemas.BulkRedeliveredOut)
async def redeliver(principal: PrincipalDep, session: SessionDep, body: schemas.RedeliverIn) -> JSONBytes:
    """Deliveries that failed (or are waiting to retry) for events raised in a time range: due again now."""
    return JSONBytes(await service.redeliver_range(session, principal, body), status_code=202)


@router.post("/test", status_code=201, response_model=schemas.TestOut)
async def send_test(principal: PrincipalDep, session: SessionDep, body: schemas.TestIn) -> JSONBytes:
    """A sample event of the type, marked `"test": true`, to the endpoints that receive that type."""
    return JSONBytes(await service.send_test(session, principal, body.type), status_code=201)
