"""The Event hub (`/event-hub`, next to `/v1`): `client.event_hub` on `Client` and `AsyncClient`.

    with Client() as client:
        client.event_hub.patch_settings({"enabled": True, "defaultEndpoints": [{"url": "https://hooks.example.com"}]})
        client.event_hub.test("badge.awarded")
        for event in client.event_hub.iter_events(type="badge.awarded"):
            print(event.id, event.data["user"]["email"])

The hub is OpenQualify's emulation of iQualify's Event hub (docs/event-hub.md); iQualify's API has no such
operations, so against the real service these calls answer 404 `RouteNotFoundError`. They share the client's
token, connections and retry policy (a `POST` is retried only on 429, as everywhere in the SDK).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ._base import AsyncTransport, Settings, SyncTransport
from .models import format_datetime
from .models.event_hub import (
    Attempt,
    BulkRedelivered,
    Delivery,
    DeliveryPage,
    Endpoint,
    Event,
    EventHubSettings,
    EventPage,
    EventSetting,
    EventType,
    EventTypes,
    Redelivered,
    SigningSecret,
    TestEvent,
)
from .resources._resource import path

__all__ = [
    "FEED_PAGE_SIZE",
    "AsyncEventHubResource",
    "AsyncEventStream",
    "Attempt",
    "BulkRedelivered",
    "Delivery",
    "DeliveryPage",
    "Endpoint",
    "Event",
    "EventHubResource",
    "EventHubSettings",
    "EventPage",
    "EventSetting",
    "EventStream",
    "EventType",
    "EventTypes",
    "Redelivered",
    "SigningSecret",
    "TestEvent",
    "hub_url",
]

FEED_PAGE_SIZE = 1000
"""The largest page of the feed (`limit`): `iter_events` asks for full pages."""

DEFAULT_POLL_SECONDS = 1.0


def hub_url(base_url: str) -> str:
    """`http://host:8000/v1` -> `http://host:8000/event-hub`."""
    root = base_url.rstrip("/")
    if root.endswith("/v1"):
        root = root[: -len("/v1")]
    return root + "/event-hub"


def hub_settings(settings: Settings) -> Settings:
    return replace(settings, base_url=hub_url(settings.base_url))


def settings_body(settings: EventHubSettings | Mapping[str, Any]) -> Any:
    """The PUT body: a model as its JSON (read-only fields included: the server ignores them), a mapping as is."""
    if isinstance(settings, BaseModel):
        return settings.model_dump(mode="json", by_alias=True, exclude_none=True)
    return patch_body(settings)


def patch_body(value: Any) -> Any:
    """A merge patch keeps its `None`s (they remove keys); models inside it become their JSON."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Mapping):
        return {str(k): patch_body(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [patch_body(v) for v in value]
    return value


def types_param(type: str | Sequence[str] | None) -> str | None:
    if type is None or isinstance(type, str):
        return type or None
    return ",".join(type) or None


def feed_params(after: str | None, type: str | Sequence[str] | None, limit: int | None) -> dict[str, Any]:
    return {"after": after or None, "type": types_param(type), "limit": limit}


def redeliver_body(since: datetime | str, until: datetime | str | None, status: str) -> dict[str, Any]:
    body: dict[str, Any] = {"since": patch_body(since), "status": status}
    if until is not None:
        body["until"] = patch_body(until)
    return body


class EventStream(Iterator[Event]):
    """The feed after a cursor, event by event, page after page (`EventHubResource.iter_events`).

    `cursor` is where to start again without missing anything: the cursor of the page being read until its last
    event has been yielded, then that page's `next` (so a loader that stores it after handling each event resumes
    with at most part of a page seen again, never an event lost). Without `follow`, the stream ends at the first
    empty page; with it, it polls every `poll_interval` seconds for ever (stop by breaking out of the loop).
    """

    def __init__(
        self,
        hub: EventHubResource,
        after: str | None,
        type: str | Sequence[str] | None,
        page_size: int,
        follow: bool,
        poll_interval: float,
    ) -> None:
        self.cursor = after or ""
        self._hub, self._type, self._size = hub, type, page_size
        self._follow, self._interval = follow, poll_interval
        self._page: list[Event] = []
        self._next = self.cursor

    def __iter__(self) -> EventStream:
        return self

    def __next__(self) -> Event:
        while not self._page:
            self.cursor = self._next
            page = self._hub.events(after=self.cursor, type=self._type, limit=self._size)
            self._page, self._next = list(page.events), page.next
            if not self._page:
                self.cursor = self._next
                if not self._follow:
                    raise StopIteration
                self._hub._sleep(self._interval)
        event = self._page.pop(0)
        if not self._page:
            self.cursor = self._next
        return event


class AsyncEventStream(AsyncIterator[Event]):
    """The asyncio twin of `EventStream` (`async for event in client.event_hub.iter_events(): ...`)."""

    def __init__(
        self,
        hub: AsyncEventHubResource,
        after: str | None,
        type: str | Sequence[str] | None,
        page_size: int,
        follow: bool,
        poll_interval: float,
    ) -> None:
        self.cursor = after or ""
        self._hub, self._type, self._size = hub, type, page_size
        self._follow, self._interval = follow, poll_interval
        self._page: list[Event] = []
        self._next = self.cursor

    def __aiter__(self) -> AsyncEventStream:
        return self

    async def __anext__(self) -> Event:
        while not self._page:
            self.cursor = self._next
            page = await self._hub.events(after=self.cursor, type=self._type, limit=self._size)
            self._page, self._next = list(page.events), page.next
            if not self._page:
                self.cursor = self._next
                if not self._follow:
                    raise StopAsyncIteration
                await self._hub._sleep(self._interval)
        event = self._page.pop(0)
        if not self._page:
            self.cursor = self._next
        return event


class EventHubResource:
    """`client.event_hub`: the organisation's Event hub. Errors are the SDK's (`ObjectNotFoundError`, ...; the
    hub's own names, `HubDisabledError`, `NoEndpointError`, `UnsafeEndpointError`, `CursorExpiredError`, become a
    `ClientError` with that `name`)."""

    def __init__(self, transport: SyncTransport) -> None:
        self._transport = transport

    def _call(self, method: str, *segments: str, into: Any = None, params: Any = None, json: Any = None) -> Any:
        return self._transport.request(method, path(method, segments), into=into, params=params, json=json)

    def _sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def event_types(self) -> EventTypes:
        """Every event type, with its category, iQualify's label and a one-line description."""
        result: EventTypes = self._call("GET", "event-types", into=EventTypes)
        return result

    def settings(self) -> EventHubSettings:
        """The settings document (every event type listed, the signing secret once created)."""
        result: EventHubSettings = self._call("GET", "settings", into=EventHubSettings)
        return result

    def put_settings(self, settings: EventHubSettings | Mapping[str, Any]) -> EventHubSettings:
        """Replace the whole document (a model read with `settings()` can be changed and sent back)."""
        result: EventHubSettings = self._call("PUT", "settings", json=settings_body(settings), into=EventHubSettings)
        return result

    def patch_settings(self, patch: Mapping[str, Any]) -> EventHubSettings:
        """A JSON merge patch (RFC 7396) in the API's names: objects merge, lists replace, `None` removes."""
        result: EventHubSettings = self._call("PATCH", "settings", json=patch_body(patch), into=EventHubSettings)
        return result

    def rotate_signing_secret(self) -> SigningSecret:
        """A new signing secret; the previous one signs too (a second signature) for 24 hours."""
        result: SigningSecret = self._call("POST", "signing-secret", "rotate", into=SigningSecret)
        return result

    def events(
        self, *, after: str | None = None, type: str | Sequence[str] | None = None, limit: int | None = None
    ) -> EventPage:
        """One page of the feed, in commit order: the events after the cursor `after` (of the types given, if any);
        pass the page's `next` as `after` for the next one."""
        result: EventPage = self._call("GET", "events", params=feed_params(after, type, limit), into=EventPage)
        return result

    def iter_events(
        self,
        *,
        after: str | None = None,
        type: str | Sequence[str] | None = None,
        page_size: int = FEED_PAGE_SIZE,
        follow: bool = False,
        poll_interval: float = DEFAULT_POLL_SECONDS,
    ) -> EventStream:
        """Every event after the cursor, page after page; `follow` waits for new ones. See `EventStream`."""
        return EventStream(self, after, type, page_size, follow, poll_interval)

    def deliveries(
        self,
        *,
        event_id: str | None = None,
        status: str | None = None,
        endpoint: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> DeliveryPage:
        """One page of the delivery log, newest first (pass `next` as `after`); each delivery with its attempts."""
        params = {"eventId": event_id, "status": status, "endpoint": endpoint, "after": after, "limit": limit}
        result: DeliveryPage = self._call("GET", "deliveries", params=params, into=DeliveryPage)
        return result

    def iter_deliveries(
        self, *, event_id: str | None = None, status: str | None = None, endpoint: str | None = None
    ) -> Iterator[Delivery]:
        """Every delivery of the log matching the filters, newest first, page after page."""
        after: str | None = None
        while True:
            page = self.deliveries(event_id=event_id, status=status, endpoint=endpoint, after=after, limit=200)
            yield from page.deliveries
            if not page.next or not page.deliveries:
                return
            after = page.next

    def redeliver(self, event_id: str) -> list[Delivery]:
        """Send one event again to every endpoint that receives its type now, from the start of the schedule."""
        result: Redelivered = self._call("POST", "events", event_id, "redeliver", into=Redelivered)
        return result.deliveries

    def redeliver_range(
        self, *, since: datetime | str, until: datetime | str | None = None, status: str = "failed"
    ) -> int:
        """Make the deliveries (`failed` or `retrying`) of events raised in [since, until] due again now; how many."""
        body = redeliver_body(since, until, status)
        result: BulkRedelivered = self._call("POST", "redeliver", json=body, into=BulkRedelivered)
        return result.redelivered

    def test(self, type: str) -> TestEvent:
        """A sample event of the type, marked `test: true`, to that type's endpoints (even with the hub off)."""
        result: TestEvent = self._call("POST", "test", json={"type": type}, into=TestEvent)
        return result


class AsyncEventHubResource:
    """The asyncio twin of `EventHubResource` (`AsyncClient.event_hub`)."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    async def _call(self, method: str, *segments: str, into: Any = None, params: Any = None, json: Any = None) -> Any:
        return await self._transport.request(method, path(method, segments), into=into, params=params, json=json)

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def event_types(self) -> EventTypes:
        result: EventTypes = await self._call("GET", "event-types", into=EventTypes)
        return result

    async def settings(self) -> EventHubSettings:
        result: EventHubSettings = await self._call("GET", "settings", into=EventHubSettings)
        return result

    async def put_settings(self, settings: EventHubSettings | Mapping[str, Any]) -> EventHubSettings:
        body = settings_body(settings)
        result: EventHubSettings = await self._call("PUT", "settings", json=body, into=EventHubSettings)
        return result

    async def patch_settings(self, patch: Mapping[str, Any]) -> EventHubSettings:
        body = patch_body(patch)
        result: EventHubSettings = await self._call("PATCH", "settings", json=body, into=EventHubSettings)
        return result

    async def rotate_signing_secret(self) -> SigningSecret:
        result: SigningSecret = await self._call("POST", "signing-secret", "rotate", into=SigningSecret)
        return result

    async def events(
        self, *, after: str | None = None, type: str | Sequence[str] | None = None, limit: int | None = None
    ) -> EventPage:
        params = feed_params(after, type, limit)
        result: EventPage = await self._call("GET", "events", params=params, into=EventPage)
        return result

    def iter_events(
        self,
        *,
        after: str | None = None,
        type: str | Sequence[str] | None = None,
        page_size: int = FEED_PAGE_SIZE,
        follow: bool = False,
        poll_interval: float = DEFAULT_POLL_SECONDS,
    ) -> AsyncEventStream:
        return AsyncEventStream(self, after, type, page_size, follow, poll_interval)

    async def deliveries(
        self,
        *,
        event_id: str | None = None,
        status: str | None = None,
        endpoint: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> DeliveryPage:
        params = {"eventId": event_id, "status": status, "endpoint": endpoint, "after": after, "limit": limit}
        result: DeliveryPage = await self._call("GET", "deliveries", params=params, into=DeliveryPage)
        return result

    async def iter_deliveries(
        self, *, event_id: str | None = None, status: str | None = None, endpoint: str | None = None
    ) -> AsyncIterator[Delivery]:
        after: str | None = None
        while True:
            page = await self.deliveries(event_id=event_id, status=status, endpoint=endpoint, after=after, limit=200)
            for delivery in page.deliveries:
                yield delivery
            if not page.next or not page.deliveries:
                return
            after = page.next

    async def redeliver(self, event_id: str) -> list[Delivery]:
        result: Redelivered = await self._call("POST", "events", event_id, "redeliver", into=Redelivered)
        return result.deliveries

    async def redeliver_range(
        self, *, since: datetime | str, until: datetime | str | None = None, status: str = "failed"
    ) -> int:
        body = redeliver_body(since, until, status)
        result: BulkRedelivered = await self._call("POST", "redeliver", json=body, into=BulkRedelivered)
        return result.redelivered

    async def test(self, type: str) -> TestEvent:
        result: TestEvent = await self._call("POST", "test", json={"type": type}, into=TestEvent)
        return result
