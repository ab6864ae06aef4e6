"""What the sandbox may plug into delivery, without the hub importing it (the import contract "No resource
imports the sandbox"): the sandbox's app start-up sets `Dispatcher.delivery_faults` through
`app.state.delivery_faults`; elsewhere (production) it stays `NO_DELIVERY_FAULTS`, which injects nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from openqualify.server.event_hub.outbox import Claimed, Outcome


class Injection(Protocol):
    """The faults of one attempt: `send` makes the attempt (or not) through `attempt` and returns its outcome."""

    async def send(self, attempt: Callable[[], Awaitable[Outcome]]) -> Outcome: ...


class DeliveryFaults(Protocol):
    """Told of each claim's deliveries before their sends start (`preload`: one read for the batch), then asked
    before each attempt, outside the sending slots: any delay is waited out in `prepare`."""

    async def preload(self, claimed: Sequence[Claimed]) -> None: ...

    async def prepare(self, claimed: Claimed) -> Injection: ...


class _NoInjection:
    async def send(self, attempt: Callable[[], Awaitable[Outcome]]) -> Outcome:
        return await attempt()


class _NoDeliveryFaults:
    async def preload(self, claimed: Sequence[Claimed]) -> None:
        return None

    async def prepare(self, claimed: Claimed) -> Injection:
        return NO_INJECTION


NO_INJECTION: Injection = _NoInjection()
NO_DELIVERY_FAULTS: DeliveryFaults = _NoDeliveryFaults()
