"""Events, deliveries and settings as JSON: the envelope every delivery carries and the feed lists, byte for byte
the same on every attempt."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from openqualify.server.event_hub.catalogue import EVENT_TYPES
from openqualify.server.event_hub.models import HubAttempt, HubDelivery, HubEndpoint, HubEvent, HubEventSetting
from openqualify.server.event_hub.retry import FAILING_AFTER
from openqualify.server.kit.timefmt import format_datetime

ATTEMPTS_SHOWN = 50  # the latest attempts of a delivery in its answer


def when(value: datetime | None) -> str | None:
    return format_datetime(value) if value is not None else None


def envelope(event_id: str, event_type: str, occurred_at: datetime, test: bool, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "type": event_type, "timestamp": format_datetime(occurred_at), "test": test, "data": data}


def event_out(event: HubEvent) -> dict[str, Any]:
    return envelope(event.id, event.type, event.occurred_at, event.test, event.data)


def body_bytes(event_id: str, event_type: str, occurred_at: datetime, test: bool, data: dict[str, Any]) -> bytes:
    """The request body of a delivery (compact JSON, keys in envelope order)."""
    return orjson.dumps(envelope(event_id, event_type, occurred_at, test, data))


def is_failing(consecutive_failures: int | None) -> bool:
    return (consecutive_failures or 0) >= FAILING_AFTER


def attempt_out(attempt: HubAttempt) -> dict[str, Any]:
    return {
        "at": format_datetime(attempt.attempted_at),
        "endpoint": attempt.endpoint_url,
        "statusCode": attempt.status_code,
        "error": attempt.error,
        "durationMs": attempt.duration_ms,
        "response": attempt.response_body,
    }


def delivery_out(
    delivery: HubDelivery, event_type: str, failures: int | None, attempts: Sequence[HubAttempt] = ()
) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "eventId": delivery.event_id,
        "eventType": event_type,
        "endpoint": delivery.endpoint_url,
        "status": delivery.status,
        "attemptCount": delivery.attempt_count,
        "nextAttemptAt": when(delivery.next_attempt_at),
        "lastAttemptAt": when(delivery.last_attempt_at),
        "lastStatusCode": delivery.last_status_code,
        "lastError": delivery.last_error,
        "endpointFailing": is_failing(failures),
        "createdAt": format_datetime(delivery.created_at),
        "attempts": [attempt_out(a) for a in list(attempts)[-ATTEMPTS_SHOWN:]],
    }


def endpoint_out(endpoint: HubEndpoint) -> dict[str, Any]:
    out: dict[str, Any] = {
        "url": endpoint.url,
        "enabled": endpoint.enabled,
        "headers": dict(endpoint.headers or {}),
        "failing": is_failing(endpoint.consecutive_failures),
    }
    if endpoint.failing_since is not None and out["failing"]:
        out["failingSince"] = format_datetime(endpoint.failing_since)
    if endpoint.disabled_reason:
        out["disabledReason"] = endpoint.disabled_reason
    return out


def settings_out(
    enabled: bool,
    endpoints: Sequence[HubEndpoint],
    event_settings: Sequence[HubEventSetting],
    secret: str | None,
    previous_expires_at: datetime | None,
) -> dict[str, Any]:
    """The whole document: every event type listed, with its own settings or the defaults."""
    own = {s.event_type: s for s in event_settings}
    by_type: dict[str | None, list[dict[str, Any]]] = {}
    for endpoint in endpoints:
        by_type.setdefault(endpoint.event_type, []).append(endpoint_out(endpoint))
    events = {}
    for event_type in EVENT_TYPES:
        setting = own.get(event_type)
        events[event_type] = {
            "enabled": setting.enabled if setting else True,
            "anonymous": setting.anonymous if setting else False,
            "endpoints": by_type.get(event_type, []),
        }
    out: dict[str, Any] = {"enabled": enabled, "defaultEndpoints": by_type.get(None, []), "events": events}
    if secret is not None:
        out["signingSecret"] = secret
    if previous_expires_at is not None:
        out["previousSigningSecretExpiresAt"] = format_datetime(previous_expires_at)
    return out
