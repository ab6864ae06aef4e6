"""The `/event-hub` surface: settings (PUT, merge-PATCH), the signing secret, the feed, deliveries, redelivery and
test events. Services only flush; the route's unit of work commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.event_hub import views
from openqualify.server.event_hub.catalogue import BY_TYPE, CATALOGUE, CATEGORIES
from openqualify.server.event_hub.emit import (
    Target,
    delivery_id,
    forget_state,
    hub_state,
    load_routing,
    new_delivery,
    stage,
    write_staged,
)
from openqualify.server.event_hub.errors import (
    CursorExpiredError,
    HubDisabledError,
    NoEndpointError,
    UnsafeEndpointError,
)
from openqualify.server.event_hub.models import HubDelivery, HubEndpoint, HubEventSetting, HubSettings
from openqualify.server.event_hub.repository import STATUSES, HubRepository, restarted
from openqualify.server.event_hub.schemas import (
    DEFAULT_DELIVERIES_LIMIT,
    DEFAULT_FEED_LIMIT,
    MAX_DELIVERIES_LIMIT,
    MAX_FEED_LIMIT,
    EndpointIn,
    RedeliverIn,
    SettingsIn,
)
from openqualify.server.event_hub.signing import new_secret
from openqualify.server.event_hub.ssrf import RefusedAddress, checked_destination
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.clock import system_now
from openqualify.server.kit.errors import ObjectNotFoundError, SchemaValidationError
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.validation import to_schema_error

ROTATION_OVERLAP = timedelta(hours=24)
RESERVED_HEADERS = frozenset({"host", "content-type", "content-length", "transfer-encoding", "connection"})
RESERVED_PREFIX = "webhook-"
ALLOW_PRIVATE_HINT = (
    "production sends events to public addresses only (set OPENQUALIFY_EVENT_HUB_ALLOW_PRIVATE=true to allow "
    "private ones)"
)


# --- event types and settings ------------------------------------------------------------------------------


def event_types() -> dict[str, Any]:
    return {
        "categories": list(CATEGORIES),
        "eventTypes": [
            {"type": e.type, "category": e.category, "name": e.name, "description": e.description} for e in CATALOGUE
        ],
    }


async def get_settings(session: AsyncSession) -> dict[str, Any]:
    repo = HubRepository(session)
    settings = await repo.settings()
    return views.settings_out(
        settings.enabled if settings else False,
        await repo.endpoints(),
        await repo.event_settings(),
        settings.signing_secret if settings else None,
        settings.previous_secret_expires_at if settings else None,
    )


async def ensure_settings(session: AsyncSession, principal: Principal) -> HubSettings:
    """The organisation's settings row, created (with its first signing secret) on first use."""
    repo = HubRepository(session)
    settings = await repo.settings()
    if settings is None:
        settings = await repo.store(
            HubSettings(
                enabled=False,
                signing_secret=new_secret(),
                last_position=0,
                pruned_through=0,
                updated_at=system_now(),
            )
        )
    return settings


def _check_endpoint(where: str, endpoint: EndpointIn) -> None:
    try:
        url = httpx.URL(endpoint.url)
    except (httpx.InvalidURL, ValueError) as error:
        raise SchemaValidationError(f"{where}.url should be an http or https URL ({error})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise SchemaValidationError(f"{where}.url should be an http or https URL with a host")
    if url.userinfo:
        raise SchemaValidationError(f"{where}.url should not hold credentials: send them in a custom header")
    seen: set[str] = set()
    for name in endpoint.headers:
        key = name.lower()
        if key in RESERVED_HEADERS or key.startswith(RESERVED_PREFIX):
            raise SchemaValidationError(f"{where}.headers.{name} is set by the hub and cannot be overridden")
        if key in seen:
            raise SchemaValidationError(f"{where}.headers.{name} is given twice (header names ignore case)")
        seen.add(key)


def _endpoint_lists(body: SettingsIn) -> list[tuple[str, str | None, list[EndpointIn]]]:
    """(where, event type or None for the defaults, endpoints), checked."""
    unknown = sorted(set(body.events) - set(BY_TYPE))
    if unknown:
        raise SchemaValidationError(
            f"data.events should NOT have additional properties ('{unknown[0]}'): not an event type "
            "(GET /event-hub/event-types lists them)"
        )
    lists: list[tuple[str, str | None, list[EndpointIn]]] = [("data.defaultEndpoints", None, body.defaultEndpoints)]
    lists += [(f"data.events.{t}.endpoints", t, s.endpoints) for t, s in body.events.items()]
    for where, _, endpoints in lists:
        urls: set[str] = set()
        for index, endpoint in enumerate(endpoints):
            _check_endpoint(f"{where}[{index}]", endpoint)
            if endpoint.url in urls:
                raise SchemaValidationError(f"{where}[{index}].url is listed twice")
            urls.add(endpoint.url)
    return lists


async def _check_addresses(lists: list[tuple[str, str | None, list[EndpointIn]]]) -> None:
    for where, _, endpoints in lists:
        for index, endpoint in enumerate(endpoints):
            try:
                await checked_destination(endpoint.url, allow_private=False)
            except RefusedAddress as refused:
                raise UnsafeEndpointError(f"{where}[{index}].url: {refused}; {ALLOW_PRIVATE_HINT}") from None


async def put_settings(
    session: AsyncSession, principal: Principal, body: SettingsIn, *, allow_private: bool
) -> dict[str, Any]:
    lists = _endpoint_lists(body)
    if not allow_private:
        await _check_addresses(lists)
    now = principal.now()
    repo = HubRepository(session)
    settings = await ensure_settings(session, principal)
    settings.enabled = body.enabled
    settings.updated_at = system_now()  # the routing cached by every worker is stale from now on

    await repo.clear_event_settings()
    repo.add_all(
        HubEventSetting(event_type=t, enabled=s.enabled, anonymous=s.anonymous) for t, s in body.events.items()
    )

    existing = {(e.event_type, e.url): e for e in await repo.endpoints()}
    wanted: set[tuple[str | None, str]] = set()
    turned_off: list[str] = []
    for _, event_type, endpoints in lists:
        for position, given in enumerate(endpoints):
            key = (event_type, given.url)
            wanted.add(key)
            endpoint = existing.get(key)
            if endpoint is None:
                repo.add(
                    HubEndpoint(
                        id=f"ep_{push_id()}",
                        event_type=event_type,
                        position=position,
                        url=given.url,
                        enabled=given.enabled,
                        headers=dict(given.headers),
                        consecutive_failures=0,
                        created_at=now,
                    )
                )
                continue
            if given.enabled and not endpoint.enabled:  # turned on again: a fresh start
                endpoint.disabled_reason = None
                endpoint.consecutive_failures = 0
                endpoint.failing_since = None
            elif endpoint.enabled and not given.enabled:
                turned_off.append(endpoint.id)
            endpoint.position = position
            endpoint.enabled = given.enabled
            endpoint.headers = dict(given.headers)
    removed = [e for key, e in existing.items() if key not in wanted]
    await session.flush()
    await repo.fail_open_deliveries(turned_off, "endpoint turned off")
    await repo.fail_open_deliveries([e.id for e in removed], "endpoint removed")
    for endpoint in removed:
        await repo.delete(endpoint)
    await session.flush()
    forget_state(session)
    return await get_settings(session)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key, `null` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


async def patch_settings(
    session: AsyncSession, principal: Principal, patch: Any, *, allow_private: bool
) -> dict[str, Any]:
    if not isinstance(patch, dict):
        raise SchemaValidationError("data should be object")
    document = merge_patch(await get_settings(session), patch)
    try:
        body = SettingsIn.model_validate(document)
    except PydanticValidationError as error:
        raise to_schema_error([{**e, "loc": ("body", *e["loc"])} for e in error.errors()]) from None
    return await put_settings(session, principal, body, allow_private=allow_private)


async def rotate_secret(session: AsyncSession, principal: Principal) -> dict[str, Any]:
    """A new signing secret; the previous one goes on signing (a second signature) for 24 hours."""
    settings = await ensure_settings(session, principal)
    now = principal.now()
    settings.previous_secret = settings.signing_secret
    settings.previous_secret_expires_at = now + ROTATION_OVERLAP
    settings.signing_secret = new_secret()
    settings.updated_at = system_now()
    await session.flush()
    return {
        "signingSecret": settings.signing_secret,
        "previousSigningSecretExpiresAt": views.when(settings.previous_secret_expires_at),
    }


# --- the feed ----------------------------------------------------------------------------------------------


def _cursor(value: str | None, name: str = "after") -> int:
    if value is None or value == "":
        return 0
    if not value.isdigit() or len(value) > 19:
        raise SchemaValidationError(f"[{name}] value should be a cursor given by this feed (its `next`)")
    return int(value)


def _limit(value: int | None, default: int, maximum: int) -> int:
    if value is None:
        return default
    if value < 1 or value > maximum:
        raise SchemaValidationError(f"[limit] value should be between 1 and {maximum}")
    return value


def _types(value: str | None) -> list[str]:
    if not value:
        return []
    types = [t.strip() for t in value.split(",") if t.strip()]
    for event_type in types:
        if event_type not in BY_TYPE:
            raise SchemaValidationError(f"[type] value '{event_type}' is not an event type")
    return types


async def list_events(
    session: AsyncSession, after: str | None, type_: str | None, limit: int | None
) -> dict[str, Any]:
    """Events in commit order after the cursor; `next` continues from the last one given (or stays put)."""
    position = _cursor(after)
    count = _limit(limit, DEFAULT_FEED_LIMIT, MAX_FEED_LIMIT)
    types = _types(type_)
    repo = HubRepository(session)
    settings = await repo.settings()
    if settings is not None and 0 < position < settings.pruned_through:
        raise CursorExpiredError(
            f"Events up to position {settings.pruned_through} were deleted after the retention period: read the "
            "feed again from its start (without `after`)."
        )
    events = await repo.events_after(position, types, count)
    next_position = events[-1].position if events else position
    if not events and types and settings is not None:
        # Nothing of these types after the cursor among the events committed when the counter was read (before the
        # events): the next poll may start after them.
        next_position = max(position, settings.last_position)
    return {"events": [views.event_out(e) for e in events], "next": str(next_position)}


async def latest_events(
    session: AsyncSession, before: str | None, type_: str | None, limit: int | None
) -> dict[str, Any]:
    """Events newest first (the console's list), before the cursor; `next` continues to older ones (None at the
    end). The same cursors, types and bounds as the feed."""
    position = _cursor(before, "before")
    count = _limit(limit, DEFAULT_FEED_LIMIT, MAX_FEED_LIMIT)
    events = await HubRepository(session).latest_events(position or None, _types(type_), count + 1)
    more = len(events) > count
    events = events[:count]
    return {
        "events": [views.event_out(e) for e in events],
        "next": str(events[-1].position) if more and events else None,
    }


# --- deliveries ----------------------------------------------------------------------------------------------


async def list_deliveries(
    session: AsyncSession,
    event_id: str | None,
    status: str | None,
    endpoint: str | None,
    after: str | None,
    limit: int | None,
) -> dict[str, Any]:
    if status is not None and status not in STATUSES:
        allowed = ", ".join(STATUSES)
        raise SchemaValidationError(f"[status] value should be equal to one of the allowed values {allowed}")
    count = _limit(limit, DEFAULT_DELIVERIES_LIMIT, MAX_DELIVERIES_LIMIT)
    repo = HubRepository(session)
    rows = await repo.deliveries_page(event_id, status, endpoint, after or None, count)
    attempts = await repo.attempts_of([row[0].id for row in rows])
    deliveries = [views.delivery_out(d, kind, failures, attempts.get(d.id, ())) for d, kind, failures in rows]
    return {"deliveries": deliveries, "next": rows[-1][0].id if len(rows) == count else None}


async def _deliveries_out(repo: HubRepository, event_type: str, deliveries: Sequence[HubDelivery]) -> list[Any]:
    failures = await repo.endpoint_failures([d.endpoint_id for d in deliveries if d.endpoint_id])
    attempts = await repo.attempts_of([d.id for d in deliveries])
    return [
        views.delivery_out(d, event_type, failures.get(d.endpoint_id or ""), attempts.get(d.id, ()))
        for d in deliveries
    ]


async def redeliver_event(session: AsyncSession, principal: Principal, event_id: str) -> dict[str, Any]:
    """Send the event again to every endpoint that receives its type now (its earlier deliveries start over)."""
    repo = HubRepository(session)
    event = await repo.event(event_id)
    if event is None:
        raise ObjectNotFoundError.of("event", event_id)
    state = await hub_state(session)
    if not state.enabled and not event.test:
        raise HubDisabledError("The Event hub is off: turn it on (PUT /event-hub/settings) to deliver events.")
    if not state.endpoints:
        await load_routing(session, state)
    targets = state.targets(event.type)
    if not targets:
        raise NoEndpointError(f"No enabled endpoint receives {event.type} events.")
    now = state.clock.now()
    by_endpoint = {d.endpoint_id: d for d in await repo.deliveries_of_event(event.id)}
    chosen: list[HubDelivery] = []
    for target in targets:
        delivery = by_endpoint.get(target.id)
        if delivery is None:
            delivery = HubDelivery(**new_delivery(state.org_id, event.id, target, now))
            repo.add(delivery)
        else:
            for key, value in restarted(now).items():
                setattr(delivery, key, value)
        chosen.append(delivery)
    await session.flush()
    return {"deliveries": await _deliveries_out(repo, event.type, chosen)}


async def redeliver_range(session: AsyncSession, principal: Principal, body: RedeliverIn) -> dict[str, Any]:
    state = await hub_state(session)
    if not state.enabled:
        raise HubDisabledError("The Event hub is off: turn it on (PUT /event-hub/settings) to deliver events.")
    now = state.clock.now()
    until = body.until or now
    if until < body.since:
        raise SchemaValidationError("data.until should not be before data.since")
    count = await HubRepository(session).redeliver_range(body.status, body.since, until, now)
    return {"redelivered": count}


# --- test events ---------------------------------------------------------------------------------------------


async def send_test(session: AsyncSession, principal: Principal, event_type: str) -> dict[str, Any]:
    """A sample event of the type, marked `"test": true`, to the endpoints that receive that type (whether or not
    the hub and the type are on: a receiver can be checked before the hub is turned on)."""
    kind = BY_TYPE.get(event_type)
    if kind is None:
        raise SchemaValidationError(f"data.type '{event_type}' is not an event type (GET /event-hub/event-types)")
    await ensure_settings(session, principal)
    forget_state(session)
    state = await hub_state(session)
    if not state.endpoints:
        await load_routing(session, state)
    [row] = await stage(session, state, event_type, [kind.sample], test=True)
    await session.flush()
    await write_staged(session)  # read back below
    repo = HubRepository(session)
    deliveries = await repo.deliveries_of_event(row["id"])
    return {
        "event": views.envelope(row["id"], event_type, row["occurred_at"], True, row["data"]),
        "deliveries": await _deliveries_out(repo, event_type, deliveries),
    }


__all__ = [
    "Target",
    "delivery_id",
    "event_types",
    "get_settings",
    "latest_events",
    "list_deliveries",
    "list_events",
    "patch_settings",
    "put_settings",
    "redeliver_event",
    "redeliver_range",
    "rotate_secret",
    "send_test",
]
