"""Wire shapes of `/event-hub`: strict input models (unknown fields refused, JSON types not coerced) with bounds on
everything a client can make large, and the answers' shapes (for the docs; answers are built as plain JSON)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from openqualify.server.event_hub.models import EVENT_TYPE_LENGTH, URL_LENGTH
from openqualify.server.kit.timefmt import DateTimeIn, DateTimeOut, OptDateTimeIn
from openqualify.server.kit.validation import Bool, Str, bounded

MAX_DEFAULT_ENDPOINTS = 10
MAX_ENDPOINTS_PER_EVENT = 10
MAX_HEADERS = 20
HEADER_NAME_LENGTH = 100
HEADER_VALUE_LENGTH = 1024
MAX_FEED_LIMIT = 1000
DEFAULT_FEED_LIMIT = 100
MAX_DELIVERIES_LIMIT = 200
DEFAULT_DELIVERIES_LIMIT = 50

# RFC 9110 token characters; values: visible characters and spaces, no line breaks.
HeaderName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=HEADER_NAME_LENGTH, pattern=r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$"),
]
HeaderValue = Annotated[str, StringConstraints(max_length=HEADER_VALUE_LENGTH, pattern=r"^[^\r\n\x00]*$")]
Url = bounded(URL_LENGTH, min_length=1)
EventTypeName = bounded(EVENT_TYPE_LENGTH, min_length=1)


class EndpointIn(BaseModel):
    """A webhook endpoint. `failing`, `failingSince` and `disabledReason` are read-only (accepted, ignored), so a
    document read with GET can be sent back with PUT."""

    model_config = ConfigDict(extra="forbid")

    url: Url  # type: ignore[valid-type]
    enabled: Bool = True
    headers: Annotated[dict[HeaderName, HeaderValue], Field(max_length=MAX_HEADERS)] = Field(default_factory=dict)
    failing: Bool | None = None
    failingSince: Str | None = None
    disabledReason: Str | None = None


class EventSettingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: Bool = True
    anonymous: Bool = False
    endpoints: Annotated[list[EndpointIn], Field(max_length=MAX_ENDPOINTS_PER_EVENT)] = Field(default_factory=list)


class SettingsIn(BaseModel):
    """`PUT /event-hub/settings`: the whole document. A type absent from `events` is on, not anonymous, and goes
    to the default endpoints. `signingSecret` and `previousSigningSecretExpiresAt` are read-only."""

    model_config = ConfigDict(extra="forbid")

    enabled: Bool
    defaultEndpoints: Annotated[list[EndpointIn], Field(max_length=MAX_DEFAULT_ENDPOINTS)] = Field(
        default_factory=list
    )
    events: Annotated[dict[EventTypeName, EventSettingIn], Field(max_length=100)] = Field(  # type: ignore[valid-type]
        default_factory=dict
    )
    signingSecret: Str | None = None
    previousSigningSecretExpiresAt: Str | None = None


class RedeliverIn(BaseModel):
    """`POST /event-hub/redeliver`: deliveries of events raised in [since, until] (until defaults to now)."""

    model_config = ConfigDict(extra="forbid")

    since: DateTimeIn
    until: OptDateTimeIn = None
    status: Literal["failed", "retrying"] = "failed"


class TestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: EventTypeName  # type: ignore[valid-type]


# --- answers (documentation of the JSON the service builds) ---------------------------------------------


class EventTypeOut(BaseModel):
    type: str
    category: str
    name: str
    description: str


class EventTypesOut(BaseModel):
    categories: list[str]
    eventTypes: list[EventTypeOut]


class EndpointOut(BaseModel):
    url: str
    enabled: bool
    headers: dict[str, str]
    failing: bool = False
    failingSince: DateTimeOut | None = None
    disabledReason: str | None = None


class EventSettingOut(BaseModel):
    enabled: bool
    anonymous: bool
    endpoints: list[EndpointOut]


class SettingsOut(BaseModel):
    enabled: bool
    defaultEndpoints: list[EndpointOut]
    events: dict[str, EventSettingOut]
    signingSecret: str | None = None
    previousSigningSecretExpiresAt: DateTimeOut | None = None


class SecretOut(BaseModel):
    signingSecret: str
    previousSigningSecretExpiresAt: DateTimeOut | None = None


class EventOut(BaseModel):
    """The envelope: the body of each delivery and each item of the feed."""

    id: str
    type: str
    timestamp: DateTimeOut
    test: bool
    data: dict[str, Any]


class EventPageOut(BaseModel):
    events: list[EventOut]
    next: str


class AttemptOut(BaseModel):
    at: DateTimeOut
    endpoint: str
    statusCode: int | None = None
    error: str | None = None
    durationMs: int
    response: str | None = None


class DeliveryOut(BaseModel):
    id: str
    eventId: str
    eventType: str
    endpoint: str
    status: Literal["pending", "retrying", "delivered", "failed"]
    attemptCount: int
    nextAttemptAt: DateTimeOut | None = None
    lastAttemptAt: DateTimeOut | None = None
    lastStatusCode: int | None = None
    lastError: str | None = None
    endpointFailing: bool = False
    createdAt: DateTimeOut
    attempts: list[AttemptOut]


class DeliveryPageOut(BaseModel):
    deliveries: list[DeliveryOut]
    next: str | None = None


class RedeliveredOut(BaseModel):
    deliveries: list[DeliveryOut]


class BulkRedeliveredOut(BaseModel):
    redelivered: int


class TestOut(BaseModel):
    event: EventOut
    deliveries: list[DeliveryOut]
