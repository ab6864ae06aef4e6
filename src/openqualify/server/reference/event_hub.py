"""Summaries and descriptions of the Event hub (`/event-hub`): iQualify's webhooks, which the official contract
does not describe. docs/event-hub.md has the settings, the event types with their payloads and worked examples."""

from __future__ import annotations

from typing import Any

from openqualify.server.event_hub.repository import STATUSES
from openqualify.server.event_hub.schemas import (
    DEFAULT_DELIVERIES_LIMIT,
    DEFAULT_FEED_LIMIT,
    MAX_DELIVERIES_LIMIT,
    MAX_FEED_LIMIT,
)
from openqualify.server.reference.operations import Doc

TAG = "Event hub"
TAG_TEXT = (
    "Learner events (a page viewed, a task submitted or marked, a badge awarded...) pushed to your endpoints, "
    "signed as Standard Webhooks, retried for three days, and readable as a feed."
)

EVENT_HUB: dict[str, Doc] = {
    "GET /event-hub/event-types": Doc(
        "Event types",
        "Every event type the hub raises, with its category (as iQualify's Event hub groups them), a name and a "
        "one-line description.",
    ),
    "GET /event-hub/settings": Doc(
        "The hub's settings",
        "Whether the hub is on, the default endpoints (which receive every event that is on and has no endpoint "
        "of its own), each event type's settings (on or off, anonymous, its own endpoints) and the signing "
        "secret receivers verify deliveries with. What it answers can be sent back unchanged with `PUT`.",
    ),
    "PUT /event-hub/settings": Doc(
        "Replace the hub's settings",
        "The whole settings document. Turning the hub on turns every event type on unless its entry says "
        "otherwise. The signing secret is read-only here (rotate it with `POST /event-hub/signing-secret/rotate`). "
        "In production an endpoint on a loopback, private, link-local or metadata address is refused.",
    ),
    "PATCH /event-hub/settings": Doc(
        "Change some of the hub's settings",
        "A merge patch (RFC 7396) of the settings document: only the keys sent change, `null` removes an event "
        "type's own entry; lists (endpoints) are replaced whole.",
    ),
    "POST /event-hub/signing-secret/rotate": Doc(
        "Rotate the signing secret",
        "A new secret. For 24 hours every delivery carries two signatures, by the new and by the previous "
        "secret, so receivers can switch without losing a delivery.",
    ),
    "GET /event-hub/events": Doc(
        "The event feed",
        "The organisation's events in the order they were committed, for loaders that pull instead of "
        "receiving: pass the answer's `next` as `after` to read on; no event is skipped or repeated while "
        "others are written. A cursor older than the retention period answers 410 `CursorExpiredError`.",
    ),
    "GET /event-hub/deliveries": Doc(
        "Deliveries and their attempts",
        "Each delivery of an event to an endpoint, newest first, with its state, the next attempt and every "
        "attempt made (time, status code or error, duration, the first 2 KiB of the answer); `next` continues.",
    ),
    "POST /event-hub/events/{eventId}/redeliver": Doc(
        "Deliver an event again",
        "Sends the event again, now, to the endpoints its type goes to: a new delivery per endpoint (202).",
    ),
    "POST /event-hub/redeliver": Doc(
        "Deliver again what failed in a period",
        "Every delivery that failed (or is waiting to retry) for events raised between `since` and `until` is "
        "due again now: what a receiver needs after an outage (202, with how many).",
    ),
    "POST /event-hub/test": Doc(
        "Send a test event",
        'A sample event of the type, marked `"test": true`, to the endpoints that type goes to, even when the hub '
        "or the type is off.",
    ),
}


def _limit(what: str, default: int, maximum: int) -> dict[str, Any]:
    return {
        "description": f"How many {what} to answer: 1 to {maximum} ({default} when absent).",
        "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
    }


EVENT_HUB_QUERIES: dict[tuple[str, str], dict[str, Any]] = {
    ("GET /event-hub/events", "after"): {
        "description": "The `next` of the previous page: the events committed after it (from the first when absent).",
        "schema": {"type": "string", "maxLength": 20},
    },
    ("GET /event-hub/events", "type"): {
        "description": "Only events of these types, comma-separated (e.g. `badge.awarded,learner.completed`).",
        "schema": {"type": "string", "maxLength": 2000},
    },
    ("GET /event-hub/events", "limit"): _limit("events", DEFAULT_FEED_LIMIT, MAX_FEED_LIMIT),
    ("GET /event-hub/deliveries", "eventId"): {
        "description": "Only the deliveries of this event.",
        "schema": {"type": "string", "maxLength": 40},
    },
    ("GET /event-hub/deliveries", "status"): {
        "description": "Only deliveries in this state.",
        "schema": {"type": "string", "enum": list(STATUSES)},
    },
    ("GET /event-hub/deliveries", "endpoint"): {
        "description": "Only deliveries to this endpoint URL, as the settings give it.",
        "schema": {"type": "string", "maxLength": 2048},
    },
    ("GET /event-hub/deliveries", "after"): {
        "description": "The `next` of the previous page.",
        "schema": {"type": "string", "maxLength": 40},
    },
    ("GET /event-hub/deliveries", "limit"): _limit("deliveries", DEFAULT_DELIVERIES_LIMIT, MAX_DELIVERIES_LIMIT),
}
