"""The Event hub page: the settings as iQualify's page shows them (the hub on or off, default endpoints, events by
category with on/off, anonymous and their own endpoints), the signing secret masked, the latest events with their
JSON, and the deliveries with their attempts.

Everything is read through `event_hub.service` (the `/event-hub` surface's own functions); the page's writes
(save, rotate, test, redeliver) are `/event-hub` operations called by console.js with the signed-in token.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from openqualify.server.console.sheets import Sheet
from openqualify.server.console.views.common import OrgBar, as_datetime, org_bar
from openqualify.server.event_hub import service
from openqualify.server.event_hub.catalogue import CATALOGUE, CATEGORIES
from openqualify.server.event_hub.repository import STATUSES
from openqualify.server.kit.reads import ReadContext

EVENTS_SHOWN = 25
DELIVERIES_SHOWN = 25
EVENTS_URL = "/console/f/event-hub/events"
DELIVERIES_URL = "/console/f/event-hub/deliveries"
SECRET_SHOWN = 4  # last characters of the signing secret shown while it is masked


@dataclass(frozen=True, slots=True)
class Endpoint:
    url: str
    enabled: bool
    headers: str  # one `Name: value` a line, as the form edits them
    failing: bool
    failing_since: str | None
    disabled_reason: str | None


@dataclass(frozen=True, slots=True)
class EventSetting:
    type: str
    name: str  # iQualify's label ("Awarded a badge")
    description: str
    enabled: bool
    anonymous: bool
    endpoints: list[Endpoint]


@dataclass(frozen=True, slots=True)
class EventHubView:
    org: OrgBar
    enabled: bool
    default_endpoints: list[Endpoint]
    categories: list[tuple[str, list[EventSetting]]]
    masked_secret: str | None  # `whsec_••••••••abcd`; the whole secret is fetched only when revealed
    previous_secret_expires_at: str | None


def _endpoint(raw: Mapping[str, Any]) -> Endpoint:
    headers = "\n".join(f"{name}: {value}" for name, value in dict(raw.get("headers") or {}).items())
    return Endpoint(raw["url"], bool(raw["enabled"]), headers, bool(raw.get("failing")), raw.get("failingSince"),
                    raw.get("disabledReason"))


def mask(secret: str) -> str:
    prefix, _, rest = secret.partition("_")
    return f"{prefix}_{'•' * 8}{rest[-SECRET_SHOWN:]}" if rest else "•" * 8


async def event_hub_view(ctx: ReadContext) -> EventHubView:
    document = await service.get_settings(await ctx.session())
    events = document["events"]
    categories = []
    for category in CATEGORIES:
        rows = []
        for kind in (k for k in CATALOGUE if k.category == category):
            own = events[kind.type]
            rows.append(EventSetting(kind.type, kind.name, kind.description, bool(own["enabled"]),
                                     bool(own["anonymous"]), [_endpoint(e) for e in own["endpoints"]]))
        categories.append((category, rows))
    secret = document.get("signingSecret")
    return EventHubView(
        org_bar(ctx.principal),
        bool(document["enabled"]),
        [_endpoint(e) for e in document["defaultEndpoints"]],
        categories,
        mask(secret) if secret else None,
        document.get("previousSigningSecretExpiresAt"),
    )


# --- the latest events ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventRow:
    id: str
    type: str
    timestamp: str
    test: bool
    json: str  # the envelope, indented


@dataclass(frozen=True, slots=True)
class EventsView:
    events: list[EventRow]
    type: str  # the filter ("" for every type)
    before: str  # the cursor this page was asked with ("" for the newest)
    next: str | None  # older events continue from here
    types: list[tuple[str, str]]  # (type, label) for the filter

    def url(self, before: str | None) -> str:
        """This list (same filter) from `before` on, or from the newest."""
        params = {k: v for k, v in (("type", self.type), ("before", before or "")) if v}
        return EVENTS_URL + ("?" + urlencode(params) if params else "")

    def sheets(self) -> list[Sheet]:
        return [Sheet("events", ["Id", "Type", "Time (UTC)", "Test", "Data (JSON)"],
                      lambda: [[e.id, e.type, as_datetime(e.timestamp), e.test, e.json] for e in self.events])]


def _param(params: Mapping[str, str], name: str, length: int) -> str:
    return params.get(name, "").strip()[:length]


async def events_view(ctx: ReadContext, params: Mapping[str, str]) -> EventsView:
    """The latest events, newest first, a page at a time (`?before=<cursor>`), of one type or all (`?type=`);
    a cursor or type the feed would refuse is refused the same way (400)."""
    event_type, before = _param(params, "type", 100), _param(params, "before", 20)
    page = await service.latest_events(await ctx.session(), before or None, event_type or None, EVENTS_SHOWN)
    rows = [
        EventRow(e["id"], e["type"], e["timestamp"], bool(e["test"]), json.dumps(e, indent=2, ensure_ascii=False))
        for e in page["events"]
    ]
    return EventsView(rows, event_type, before, page["next"], [(k.type, k.name) for k in CATALOGUE])


# --- deliveries -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attempt:
    at: str
    status_code: int | None
    error: str | None
    duration_ms: int
    response: str | None  # the first 2 KiB of the answer, as kept


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: str
    event_id: str
    event_type: str
    endpoint: str
    status: str
    attempt_count: int
    next_attempt_at: str | None
    endpoint_failing: bool
    attempts: list[Attempt]  # newest first

    @property
    def last(self) -> Attempt | None:
        return self.attempts[0] if self.attempts else None


@dataclass(frozen=True, slots=True)
class DeliveriesView:
    deliveries: list[DeliveryRow]
    status: str
    event_id: str
    before: str
    next: str | None
    statuses: tuple[str, ...]

    def url(self, before: str | None) -> str:
        params = {k: v for k, v in (("status", self.status), ("eventId", self.event_id), ("before", before or "")) if v}
        return DELIVERIES_URL + ("?" + urlencode(params) if params else "")

    def sheets(self) -> list[Sheet]:
        def rows() -> list[list[object]]:
            out: list[list[object]] = []
            for d in self.deliveries:
                last = d.last
                out.append([d.id, d.event_id, d.event_type, d.endpoint, d.status, d.attempt_count,
                            as_datetime(last.at) if last else None, last.status_code if last else None,
                            last.error if last else None, last.duration_ms if last else None,
                            as_datetime(d.next_attempt_at)])
            return out

        return [Sheet("deliveries", ["Id", "Event", "Type", "Endpoint", "Status", "Attempts", "Last attempt (UTC)",
                                     "Status code", "Error", "Duration (ms)", "Next attempt (UTC)"], rows)]


async def deliveries_view(ctx: ReadContext, params: Mapping[str, str]) -> DeliveriesView:
    """Deliveries newest first, each with its attempts (`?status=`, `?eventId=`, `?before=<delivery id>`)."""
    status, event_id, before = _param(params, "status", 20), _param(params, "eventId", 40), _param(params, "before", 40)
    page = await service.list_deliveries(await ctx.session(), event_id or None, status or None, None, before or None,
                                         DELIVERIES_SHOWN)
    rows = [
        DeliveryRow(
            d["id"], d["eventId"], d["eventType"], d["endpoint"], d["status"], d["attemptCount"], d["nextAttemptAt"],
            bool(d["endpointFailing"]),
            [Attempt(a["at"], a["statusCode"], a["error"], a["durationMs"], a["response"])
             for a in reversed(d["attempts"])],
        )
        for d in page["deliveries"]
    ]
    return DeliveriesView(rows, status, event_id, before, page["next"], STATUSES)
