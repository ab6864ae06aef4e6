"""OpenQualify's sandbox control plane (`/_sandbox`): not part of iQualify's API, so not an attribute of `Client`.

    from openqualify.client import Client
    from openqualify.client.sandbox import Sandbox

    with Client(base_url="http://127.0.0.1:8000/v1", token="...") as client:
        sandbox = Sandbox(client)
        rule = sandbox.faults.add(method="GET", path="/v1/offerings/{offeringId}/users", status=503, retry_after=5)
        ...
        sandbox.faults.clear()

`Sandbox` talks to the same server as the client (its base URL without `/v1`) with the same token and HTTP
connection pool; its calls are never retried (they are the test's own setup: a failure should show at once).
Against the real iQualify these calls answer 404 `RouteNotFoundError`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from ._base import AsyncTransport, RetryPolicy, SyncTransport, default_async_sleep, default_sync_sleep
from ._client import AsyncClient, Client
from ._errors import error_from_response
from .models._base import DateTime, Model

__all__ = ["AsyncSandbox", "FaultRule", "Sandbox", "sandbox_url"]

Drop = Literal["reset", "empty", "malformed"]
Target = Literal["requests", "deliveries"]
NO_RETRIES = RetryPolicy(max_retries=0)


def sandbox_url(base_url: str) -> str:
    """`http://host:8000/v1` -> `http://host:8000/_sandbox`."""
    root = base_url.rstrip("/")
    if root.endswith("/v1"):
        root = root[: -len("/v1")]
    return root + "/_sandbox"


class FaultRule(Model):
    """A fault rule as the sandbox lists it (`GET /_sandbox/faults`)."""

    id: str
    created_at: DateTime | None = None
    target: str | None = None
    match: dict[str, str] = {}
    status: int | None = None
    name: str | None = None
    retry_after: int | None = None
    latency_ms: int | None = None
    latency: dict[str, Any] | None = None
    drop: str | None = None
    probability: float | None = None
    seed: int | None = None
    times: int | None = None
    every: int | None = None
    duplicate: bool | None = None
    reorder_window_ms: int | None = None
    drop_first: int | None = None
    matched: int = 0
    hits: int = 0
    exhausted: bool = False


def rule_body(
    *,
    target: Target = "requests",
    method: str | None = None,
    path: str | None = None,
    event_type: str | None = None,
    url: str | None = None,
    status: int | None,
    retry_after: int | None,
    latency_ms: int | None,
    latency: dict[str, Any] | None,
    drop: Drop | None,
    probability: float | None,
    seed: int | None,
    times: int | None,
    every: int | None,
    duplicate: bool | None = None,
    reorder_window_ms: int | None = None,
    drop_first: int | None = None,
) -> dict[str, Any]:
    """A rule's JSON: a request rule matches `method` and `path` (both `*` unless given), a delivery rule
    `event_type` and `url` (the server refuses the other target's fields, so they are sent when given)."""
    if target == "requests":
        match = {"method": method or "*", "path": path or "*", "eventType": event_type, "url": url}
    else:
        match = {"eventType": event_type or "*", "url": url or "*", "method": method, "path": path}
    body: dict[str, Any] = {
        "target": None if target == "requests" else target,
        "match": {key: value for key, value in match.items() if value is not None},
        "status": status,
        "retryAfter": retry_after,
        "latencyMs": latency_ms,
        "latency": latency,
        "drop": drop,
        "probability": probability,
        "seed": seed,
        "times": times,
        "every": every,
        "duplicate": duplicate,
        "reorderWindowMs": reorder_window_ms,
        "dropFirst": drop_first,
    }
    return {key: value for key, value in body.items() if value is not None}


class FaultsResource:
    """`/_sandbox/faults`: rules that make this organisation's `/v1` requests fail, drop or slow down, and its
    webhook deliveries arrive late, twice, out of order or only after failed attempts."""

    def __init__(self, transport: SyncTransport) -> None:
        self._transport = transport

    def add(
        self,
        *,
        target: Target = "requests",
        method: str | None = None,
        path: str | None = None,
        event_type: str | None = None,
        url: str | None = None,
        status: int | None = None,
        retry_after: int | None = None,
        latency_ms: int | None = None,
        latency: dict[str, Any] | None = None,
        drop: Drop | None = None,
        probability: float | None = None,
        seed: int | None = None,
        times: int | None = None,
        every: int | None = None,
        duplicate: bool | None = None,
        reorder_window_ms: int | None = None,
        drop_first: int | None = None,
    ) -> FaultRule:
        """Add a rule (docs/sandbox.md, "Faults and latency"); `path` is a contract route template with `/v1`,
        a prefix ending in `/*`, or `*`. With `target="deliveries"` the rule acts on the Event hub's deliveries
        of `event_type` to `url` instead (`duplicate`, `reorder_window_ms`, `drop_first`, `status`, latency)."""
        body = rule_body(
            target=target, method=method, path=path, event_type=event_type, url=url, status=status,
            retry_after=retry_after, latency_ms=latency_ms, latency=latency, drop=drop, probability=probability,
            seed=seed, times=times, every=every, duplicate=duplicate, reorder_window_ms=reorder_window_ms,
            drop_first=drop_first,
        )  # fmt: skip
        result: FaultRule = self._transport.request("POST", "/faults", json=body, into=FaultRule)
        return result

    def list(self) -> list[FaultRule]:
        result: list[FaultRule] = self._transport.request("GET", "/faults", into=list[FaultRule])
        return result

    def delete(self, rule_id: str) -> None:
        self._transport.request("DELETE", f"/faults/{rule_id}", handler=_no_content)

    def clear(self) -> int:
        """Delete every rule; how many there were."""
        result: dict[str, int] = self._transport.request("DELETE", "/faults", into=dict[str, int])
        return result["deleted"]


class AsyncFaultsResource:
    """The asyncio twin of `FaultsResource`."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    async def add(
        self,
        *,
        target: Target = "requests",
        method: str | None = None,
        path: str | None = None,
        event_type: str | None = None,
        url: str | None = None,
        status: int | None = None,
        retry_after: int | None = None,
        latency_ms: int | None = None,
        latency: dict[str, Any] | None = None,
        drop: Drop | None = None,
        probability: float | None = None,
        seed: int | None = None,
        times: int | None = None,
        every: int | None = None,
        duplicate: bool | None = None,
        reorder_window_ms: int | None = None,
        drop_first: int | None = None,
    ) -> FaultRule:
        body = rule_body(
            target=target, method=method, path=path, event_type=event_type, url=url, status=status,
            retry_after=retry_after, latency_ms=latency_ms, latency=latency, drop=drop, probability=probability,
            seed=seed, times=times, every=every, duplicate=duplicate, reorder_window_ms=reorder_window_ms,
            drop_first=drop_first,
        )  # fmt: skip
        result: FaultRule = await self._transport.request("POST", "/faults", json=body, into=FaultRule)
        return result

    async def list(self) -> list[FaultRule]:
        result: list[FaultRule] = await self._transport.request("GET", "/faults", into=list[FaultRule])
        return result

    async def delete(self, rule_id: str) -> None:
        await self._transport.request("DELETE", f"/faults/{rule_id}", handler=_no_content)

    async def clear(self) -> int:
        result: dict[str, int] = await self._transport.request("DELETE", "/faults", into=dict[str, int])
        return result["deleted"]


def _no_content(response: Any) -> None:
    if not response.is_success:
        raise error_from_response(response)


class Sandbox:
    """The sandbox control plane of the server `client` talks to, with the client's token and connections."""

    def __init__(self, client: Client) -> None:
        settings = replace(client.settings, base_url=sandbox_url(client.base_url), retry=NO_RETRIES)
        transport = SyncTransport(settings, client._http, default_sync_sleep)
        self.faults = FaultsResource(transport)


class AsyncSandbox:
    """The asyncio twin of `Sandbox`."""

    def __init__(self, client: AsyncClient) -> None:
        settings = replace(client.settings, base_url=sandbox_url(client.base_url), retry=NO_RETRIES)
        transport = AsyncTransport(settings, client._http, default_async_sleep)
        self.faults = AsyncFaultsResource(transport)
