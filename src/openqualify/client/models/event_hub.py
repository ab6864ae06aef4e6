"""The Event hub's shapes (`/event-hub`, outside `/v1`): settings, event types, events, deliveries."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import DateTime, Model


class EventType(Model):
    type: str
    category: str | None = None
    name: str | None = None
    description: str | None = None


class EventTypes(Model):
    categories: list[str] = []
    event_types: list[EventType] = []


class Endpoint(Model):
    """A webhook endpoint: `url`, `enabled`, `headers`; `failing`, `failing_since`, `disabled_reason` are
    read-only (the server accepts them back and ignores them)."""

    url: str
    enabled: bool = True
    headers: dict[str, str] = Field(default_factory=dict)
    failing: bool | None = None
    failing_since: DateTime | None = None
    disabled_reason: str | None = None


class EventSetting(Model):
    """One event type's entry: on or off, anonymous, and its own endpoints (none: the default endpoints)."""

    enabled: bool = True
    anonymous: bool = False
    endpoints: list[Endpoint] = Field(default_factory=list)


class EventHubSettings(Model):
    """`GET`/`PUT /event-hub/settings`; `signing_secret` and `previous_signing_secret_expires_at` are read-only."""

    enabled: bool = False
    default_endpoints: list[Endpoint] = Field(default_factory=list)
    events: dict[str, EventSetting] = Field(default_factory=dict)
    signing_secret: str | None = None
    previous_signing_secret_expires_at: DateTime | None = None


class SigningSecret(Model):
    signing_secret: str
    previous_signing_secret_expires_at: DateTime | None = None


class Event(Model):
    """The envelope: the body of each delivery and each item of the feed. `data` is kept as the JSON sent."""

    id: str
    type: str
    timestamp: DateTime
    test: bool = False
    data: dict[str, Any] = Field(default_factory=dict)


class EventPage(Model):
    events: list[Event] = []
    next: str


class Attempt(Model):
    at: DateTime
    endpoint: str | None = None
    status_code: int | None = None
    error: str | None = None
    duration_ms: int | None = None
    response: str | None = None


class Delivery(Model):
    id: str
    event_id: str
    event_type: str | None = None
    endpoint: str
    status: str
    attempt_count: int = 0
    next_attempt_at: DateTime | None = None
    last_attempt_at: DateTime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    endpoint_failing: bool = False
    created_at: DateTime | None = None
    attempts: list[Attempt] = []


class DeliveryPage(Model):
    deliveries: list[Delivery] = []
    next: str | None = None


class Redelivered(Model):
    deliveries: list[Delivery] = []


class BulkRedelivered(Model):
    redelivered: int


class TestEvent(Model):
    """`POST /event-hub/test`: the sample event stored and its deliveries."""

    __test__ = False  # not a pytest class

    event: Event
    deliveries: list[Delivery] = []
