"""The NATS JetStream relay: every event of the outbox published at least once, for data teams' consumers.

Subject `openqualify.<orgId>.<type>` (e.g. `openqualify.-Nabc.badge.awarded`), body the envelope deliveries carry,
header `Nats-Msg-Id` = the event id, so JetStream drops a second publish of the same event within the stream's
duplicate window. An event is marked relayed only once JetStream acknowledged it; one whose relay was
interrupted (a lease, as for deliveries) is published again. The stream is the operator's
(`nats stream add ... --subjects 'openqualify.>'`), or created when `OPENQUALIFY_EVENTS_NATS_STREAM` names it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from openqualify.server.event_hub import outbox, views
from openqualify.server.event_hub.config import HubConfig
from openqualify.server.kit.clock import system_now
from openqualify.server.kit.tenancy import unscoped

logger = logging.getLogger("openqualify.event_hub")

SUBJECT_PREFIX = "openqualify"
BATCH = 200
PUBLISH_CONCURRENCY = 32
LEASE_SECONDS = 60.0


def subject(org_id: str, event_type: str) -> str:
    return f"{SUBJECT_PREFIX}.{org_id}.{event_type}"


class NatsRelay:
    def __init__(self, config: HubConfig, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        assert config.events_nats_url
        self.config = config
        self.sessionmaker = sessionmaker
        self.wake = asyncio.Event()
        self.connection: Any = None
        self.published = 0
        self.unacknowledged = 0

    async def _connect(self) -> Any:
        import nats  # the server extra's dependency, imported only when the relay is configured

        assert self.config.events_nats_url
        connection = await nats.connect(
            self.config.events_nats_url, connect_timeout=5, max_reconnect_attempts=-1, allow_reconnect=True
        )
        jetstream = connection.jetstream()
        if self.config.events_nats_stream:
            from nats.js.errors import NotFoundError

            try:
                await jetstream.stream_info(self.config.events_nats_stream)
            except NotFoundError:
                await jetstream.add_stream(name=self.config.events_nats_stream, subjects=[f"{SUBJECT_PREFIX}.>"])
        self.connection = connection
        return jetstream

    async def run(self) -> None:
        failures = 0
        jetstream: Any = None
        while True:
            try:
                if jetstream is None:
                    jetstream = await self._connect()
                published = await self._relay_batch(jetstream)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                log = logger.warning if failures in (1, 10) else logger.debug
                log("event hub: NATS relay failed (%s: %s), retrying", type(error).__name__, error)
                await asyncio.sleep(min(30.0, 0.5 * 2**failures))
                continue
            if published < BATCH:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), timeout=self.config.event_hub_poll_seconds)
                self.wake.clear()

    async def _relay_batch(self, jetstream: Any) -> int:
        now = system_now()
        async with unscoped(self.sessionmaker()) as session:
            events = await outbox.claim_unrelayed(session, now, now + timedelta(seconds=LEASE_SECONDS), BATCH)
            await session.commit()
        if not events:
            return 0
        limit = asyncio.Semaphore(PUBLISH_CONCURRENCY)

        async def publish(event: outbox.Unrelayed) -> str | None:
            body = views.body_bytes(event.id, event.type, event.occurred_at, event.test, event.data)
            async with limit:
                try:
                    await jetstream.publish(subject(event.org_id, event.type), body, headers={"Nats-Msg-Id": event.id})
                except Exception as error:  # left unrelayed: published again after the lease
                    logger.debug("event hub: NATS publish of %s failed: %s", event.id, error)
                    return None
            return event.id

        done = [id_ for id_ in await asyncio.gather(*(publish(e) for e in events)) if id_ is not None]
        async with unscoped(self.sessionmaker()) as session:
            await outbox.mark_relayed(session, done, system_now())
            await session.commit()
        self.published += len(done)
        if len(done) < len(events):  # not fatal: those are published again when their lease expires
            self.unacknowledged += len(events) - len(done)
            logger.warning(
                "event hub: %d of %d NATS publishes were not acknowledged (no stream for their subject?); "
                "retried in %g s", len(events) - len(done), len(events), LEASE_SECONDS,
            )
        return len(events)

    async def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await self.connection.close()
