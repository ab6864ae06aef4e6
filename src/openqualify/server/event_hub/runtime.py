"""The hub's background work in one worker: the dispatcher, the NATS relay (when configured) and the pruner,
started and stopped by the application's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from opentelemetry.trace import Tracer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from openqualify.server.db.engine import write_intent
from openqualify.server.event_hub import outbox
from openqualify.server.event_hub.config import HubConfig
from openqualify.server.event_hub.dispatcher import Dispatcher
from openqualify.server.event_hub.emit import register_other_process, register_waker, unregister_waker
from openqualify.server.event_hub.relay import NatsRelay
from openqualify.server.event_hub.wake import WakeListener, WakeSender
from openqualify.server.kit.clock import system_now
from openqualify.server.kit.tenancy import unscoped
from openqualify.server.observability import exposition, metrics
from openqualify.server.observability import hub as hub_metrics

logger = logging.getLogger("openqualify.event_hub")

PRUNE_EVERY_SECONDS = 600.0
PRUNE_BATCH = 1000
DRAIN_SECONDS = 5.0


class EventHubRuntime:
    def __init__(
        self,
        config: HubConfig,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        allow_private: bool,
        tracer: Tracer | None = None,
    ) -> None:
        self.config = config
        self.sessionmaker = sessionmaker
        self.allow_private = allow_private
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.dispatcher = Dispatcher(
            config, sessionmaker, allow_private=allow_private, owner=self.owner, tracer=tracer
        )
        self.relay = NatsRelay(config, sessionmaker) if config.events_nats_url else None
        self.tasks: list[asyncio.Task[Any]] = []
        self._claims: asyncio.Task[Any] | None = None
        self._wake_listener: WakeListener | None = None
        self._wake_sender: WakeSender | None = None

    def _spawn(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(work, name=f"event-hub-{name}", context=hub_metrics.background_context())
        self.tasks.append(task)
        return task

    def wake(self) -> None:
        self.dispatcher.wake.set()
        if self.relay is not None:
            self.relay.wake.set()

    async def oldest_undelivered_age(self) -> float:
        """Seconds since the oldest event still waiting for a delivery was raised (0: none waits), for the
        `openqualify_hub_oldest_undelivered_event_age_seconds` gauge: one read over the open deliveries' index,
        the same answer from whichever worker is scraped."""
        token = write_intent.set(False)  # a plain read: on SQLite no write lock for it
        try:
            async with unscoped(self.sessionmaker()) as session:
                oldest = await outbox.oldest_undelivered(session)
        finally:
            write_intent.reset(token)
        return 0.0 if oldest is None else max(0.0, (system_now() - oldest).total_seconds())

    async def start(self) -> None:
        if metrics.enabled():
            hub_metrics.register_oldest_undelivered_age(self.oldest_undelivered_age)
        if self.config.event_hub_dispatcher:
            self._claims = self._spawn(self.dispatcher.run_claims(), "claims")
            self._spawn(self.dispatcher.run_recorder(), "recorder")
            self._spawn(self._prune_forever(), "pruner")
            if self.relay is not None:
                self._spawn(self.relay.run(), "nats-relay")
            register_waker(id(self), asyncio.get_running_loop(), self.wake)
            if self.config.event_hub_wake_socket:  # woken by the workers that do not deliver
                self._wake_listener = WakeListener(self.config.event_hub_wake_socket, self.wake)
                self._wake_listener.start(asyncio.get_running_loop())
        elif self.config.event_hub_wake_socket:
            self._wake_sender = WakeSender(self.config.event_hub_wake_socket)
            register_other_process(id(self), self._wake_sender.send)

    async def stop(self) -> None:
        unregister_waker(id(self))
        for wake_socket in (self._wake_listener, self._wake_sender):
            if wake_socket is not None:
                wake_socket.close()
        if metrics.enabled():  # the gauge no longer reads this application's database: back to "no hub here"
            exposition.unregister_scrape_gauge(hub_metrics.OLDEST_UNDELIVERED)
            hub_metrics.enable()
        if self._claims is not None:
            self._claims.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._claims
            await self.dispatcher.drain(DRAIN_SECONDS)
        else:
            await self.dispatcher.close()
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.relay is not None:
            await self.relay.close()

    async def prune(self, cutoff: datetime | None = None) -> int:
        """Delete events stored before `cutoff` (default: the retention period ago); returns how many."""
        cutoff = cutoff or system_now() - timedelta(days=self.config.event_retention_days)
        deleted = 0
        while True:
            async with unscoped(self.sessionmaker()) as session:
                count = await outbox.prune_step(session, cutoff, PRUNE_BATCH)
                await session.commit()
            deleted += count
            if count < PRUNE_BATCH:
                return deleted
            await asyncio.sleep(0)

    async def _prune_forever(self) -> None:
        while True:
            try:
                deleted = await self.prune()
                if deleted:
                    logger.info("event hub: %d events past the retention period deleted", deleted)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.debug("event hub: pruning failed (%s: %s)", type(error).__name__, error)
            await asyncio.sleep(PRUNE_EVERY_SECONDS)


async def start_event_hub(app: FastAPI) -> EventHubRuntime:
    """Called by the lifespan once the engine is up. `app.state.event_hub_config` (tests) overrides the
    environment's settings."""
    config = getattr(app.state, "event_hub_config", None) or HubConfig()
    settings = app.state.settings
    tracing = getattr(app.state, "tracing", None)
    runtime = EventHubRuntime(
        config,
        app.state.sessionmaker,
        allow_private=settings.sandbox_enabled or config.event_hub_allow_private,
        tracer=tracing.tracer if tracing is not None else None,
    )
    faults = getattr(app.state, "delivery_faults", None)  # the sandbox's (event_hub.hooks); production: none
    if faults is not None:
        runtime.dispatcher.delivery_faults = faults
    await runtime.start()
    return runtime
