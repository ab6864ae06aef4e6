"""The `/event-hub` surface's SQL, in the organisation-bound unit of work (`kit.tenancy` adds `org_id = :org`).

The dispatcher's statements, which work across organisations, live in `outbox.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, select, update

from openqualify.server.event_hub.models import (
    HubAttempt,
    HubDelivery,
    HubEndpoint,
    HubEvent,
    HubEventSetting,
    HubSettings,
)
from openqualify.server.kit.chunks import IN_CHUNK, chunks
from openqualify.server.kit.repository import Repository

OPEN_STATUSES = ("pending", "retrying")
STATUSES = ("pending", "retrying", "delivered", "failed")


class HubRepository(Repository):
    # --- settings -----------------------------------------------------------------------------------------

    async def settings(self) -> HubSettings | None:
        return await self.one_or_none(select(HubSettings))

    async def event_settings(self) -> list[HubEventSetting]:
        return await self.scalars(select(HubEventSetting).order_by(HubEventSetting.event_type))

    async def endpoints(self) -> list[HubEndpoint]:
        return await self.scalars(select(HubEndpoint).order_by(HubEndpoint.event_type, HubEndpoint.position))

    async def clear_event_settings(self) -> None:
        await self.execute(delete(HubEventSetting).execution_options(synchronize_session=False))

    async def fail_open_deliveries(self, endpoint_ids: Sequence[str], reason: str) -> None:
        """Deliveries still to be made to endpoints turned off or removed: failed, with the reason (redeliverable)."""
        for ids in chunks(list(endpoint_ids), IN_CHUNK):
            await self.execute(
                update(HubDelivery)
                .where(HubDelivery.endpoint_id.in_(ids), HubDelivery.status.in_(OPEN_STATUSES))
                .values(status="failed", last_error=reason, next_attempt_at=None, lease_owner=None,
                        lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )

    # --- the feed -----------------------------------------------------------------------------------------

    async def events_after(self, position: int, types: Sequence[str], limit: int) -> list[HubEvent]:
        statement = select(HubEvent).where(HubEvent.position > position)
        if types:
            statement = statement.where(HubEvent.type.in_(list(types)))
        return await self.scalars(statement.order_by(HubEvent.position).limit(limit))

    async def latest_events(self, before: int | None, types: Sequence[str], limit: int) -> list[HubEvent]:
        """Committed events, newest first, before the position `before` (the console's list)."""
        statement = select(HubEvent).where(HubEvent.position.is_not(None))
        if before is not None:
            statement = statement.where(HubEvent.position < before)
        if types:
            statement = statement.where(HubEvent.type.in_(list(types)))
        return await self.scalars(statement.order_by(HubEvent.position.desc()).limit(limit))

    async def last_position(self) -> int:
        last = await self.one_or_none(select(HubSettings.last_position))
        return int(last or 0)

    async def event(self, event_id: str) -> HubEvent | None:
        return await self.by_key(HubEvent, event_id)

    # --- deliveries ---------------------------------------------------------------------------------------

    async def deliveries_page(
        self, event_id: str | None, status: str | None, endpoint: str | None, before: str | None, limit: int
    ) -> list[tuple[HubDelivery, str, int | None]]:
        """(delivery, event type, endpoint's consecutive failures), newest first."""
        statement = (
            select(HubDelivery, HubEvent.type, HubEndpoint.consecutive_failures)
            .join(HubEvent, HubEvent.id == HubDelivery.event_id)
            .outerjoin(HubEndpoint, HubEndpoint.id == HubDelivery.endpoint_id)
        )
        if event_id is not None:
            statement = statement.where(HubDelivery.event_id == event_id)
        if status is not None:
            statement = statement.where(HubDelivery.status == status)
        if endpoint is not None:
            statement = statement.where(HubDelivery.endpoint_url == endpoint)
        if before is not None:
            statement = statement.where(HubDelivery.id < before)
        rows = await self.rows(statement.order_by(HubDelivery.id.desc()).limit(limit))
        return [cast(tuple[HubDelivery, str, int | None], tuple(row)) for row in rows]

    async def attempts_of(self, delivery_ids: Sequence[str]) -> dict[str, list[HubAttempt]]:
        found: dict[str, list[HubAttempt]] = {}
        for ids in chunks(list(delivery_ids), IN_CHUNK):
            statement = (
                select(HubAttempt)
                .where(HubAttempt.delivery_id.in_(ids))
                .order_by(HubAttempt.attempted_at, HubAttempt.id)
            )
            for attempt in await self.scalars(statement):
                found.setdefault(attempt.delivery_id, []).append(attempt)
        return found

    async def deliveries_of_event(self, event_id: str) -> list[HubDelivery]:
        return await self.scalars(select(HubDelivery).where(HubDelivery.event_id == event_id))

    async def endpoint_failures(self, endpoint_ids: Sequence[str]) -> dict[str, int]:
        if not endpoint_ids:
            return {}
        rows = await self.rows(
            select(HubEndpoint.id, HubEndpoint.consecutive_failures).where(HubEndpoint.id.in_(list(endpoint_ids)))
        )
        return {row.id: row.consecutive_failures for row in rows}

    async def redeliver_range(self, status: str, since: datetime, until: datetime, now: datetime) -> int:
        """Deliveries in `status` of events raised in [since, until] to endpoints still on: due again now."""
        events = select(HubEvent.id).where(HubEvent.occurred_at >= since, HubEvent.occurred_at <= until)
        live = select(HubEndpoint.id).where(HubEndpoint.enabled.is_(True))
        result = await self.session.execute(
            update(HubDelivery)
            .where(HubDelivery.status == status, HubDelivery.event_id.in_(events), HubDelivery.endpoint_id.in_(live))
            .values(restarted(now))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def restarted(now: datetime) -> dict[str, Any]:
    """A delivery made due again from the start of the schedule (its attempts stay in the log)."""
    return {
        "status": "pending",
        "attempt_count": 0,
        "next_attempt_at": now,
        "lease_owner": None,
        "lease_expires_at": None,
        "last_error": None,
    }
