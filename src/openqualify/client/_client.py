"""`Client` (blocking) and `AsyncClient` (asyncio): configuration plus one attribute per resource.

The attribute names are the same on both; a test checks that each async resource mirrors its blocking one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Self

import httpx

from ._base import (
    AsyncTransport,
    RetryPolicy,
    Settings,
    SyncTransport,
    default_async_sleep,
    default_sync_sleep,
)
from .event_hub import AsyncEventHubResource, EventHubResource, hub_settings
from .resources import (
    AnalyticsResource,
    AssessmentsResource,
    AsyncAnalyticsResource,
    AsyncAssessmentsResource,
    AsyncBadgesResource,
    AsyncChannelsResource,
    AsyncCourseMappingsResource,
    AsyncCoursesResource,
    AsyncGroupsResource,
    AsyncOfferingsResource,
    AsyncOrgResource,
    AsyncProgressResource,
    AsyncPulsesResource,
    AsyncUsersResource,
    BadgesResource,
    ChannelsResource,
    CourseMappingsResource,
    CoursesResource,
    GroupsResource,
    OfferingsResource,
    OrgResource,
    ProgressResource,
    PulsesResource,
    UsersResource,
)


class Client:
    """A blocking client of the iQualify Management API (OpenQualify or the real service).

    `base_url` and `token` default to `OPENQUALIFY_BASE_URL` and `OPENQUALIFY_TOKEN`; pass `transport`
    (any `httpx.BaseTransport`) or a ready `http_client` to control the HTTP layer, and `sleep` to
    replace `time.sleep` between retries.
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = Settings.resolve(base_url, token, timeout, retry, headers)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport)
        self._bind(SyncTransport(self.settings, self._http, sleep or default_sync_sleep))
        # The Event hub is next to /v1 (`/event-hub`): same token, connections and retries.
        self.event_hub = EventHubResource(
            SyncTransport(hub_settings(self.settings), self._http, sleep or default_sync_sleep)
        )

    def _bind(self, transport: SyncTransport) -> None:
        self.org = OrgResource(transport)
        self.course_mappings = CourseMappingsResource(transport)
        self.courses = CoursesResource(transport)
        self.offerings = OfferingsResource(transport)
        self.assessments = AssessmentsResource(transport)
        self.analytics = AnalyticsResource(transport)
        self.progress = ProgressResource(transport)
        self.channels = ChannelsResource(transport)
        self.pulses = PulsesResource(transport)
        self.badges = BadgesResource(transport)
        self.groups = GroupsResource(transport)
        self.users = UsersResource(transport)

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncClient:
    """The asyncio twin of `Client`: the same resources and methods, as coroutines (typed as such).

    Accepts any `httpx.AsyncBaseTransport`, e.g. `httpx.ASGITransport(app=...)` to talk to an app in-process.
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.settings = Settings.resolve(base_url, token, timeout, retry, headers)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(transport=transport)
        self._bind(AsyncTransport(self.settings, self._http, sleep or default_async_sleep))
        self.event_hub = AsyncEventHubResource(
            AsyncTransport(hub_settings(self.settings), self._http, sleep or default_async_sleep)
        )

    def _bind(self, transport: AsyncTransport) -> None:
        self.org = AsyncOrgResource(transport)
        self.course_mappings = AsyncCourseMappingsResource(transport)
        self.courses = AsyncCoursesResource(transport)
        self.offerings = AsyncOfferingsResource(transport)
        self.assessments = AsyncAssessmentsResource(transport)
        self.analytics = AsyncAnalyticsResource(transport)
        self.progress = AsyncProgressResource(transport)
        self.channels = AsyncChannelsResource(transport)
        self.pulses = AsyncPulsesResource(transport)
        self.badges = AsyncBadgesResource(transport)
        self.groups = AsyncGroupsResource(transport)
        self.users = AsyncUsersResource(transport)

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
