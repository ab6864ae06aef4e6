"""The Event hub's deliveries in a process of their own (`openqualify serve --deliveries process`).

With one worker the dispatcher shares its event loop, and the machine's cores, with the requests the worker
serves: under a stream of writes each delivery's claim, POST and record land between, and on, those writes
(docs/benchmarks.md). This process runs the hub's background work alone: the dispatcher, the NATS relay and the
retention pruner, on its own engine. The API workers raise events as always (the outbox is in their transactions),
deliver nothing, and wake this process through a Unix socket after each commit that raised events
(`event_hub.wake`). `serve` starts it (multiprocessing's spawn), restarts it if it dies, and stops it at exit; it
also ends when `serve` is killed (the parent-death signal).
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import logging.config
import os
import signal
import sys

from openqualify.server.config import Settings, get_settings
from openqualify.server.db.engine import make_async_engine, make_sessionmaker
from openqualify.server.db.urls import is_sqlite
from openqualify.server.event_hub.config import HubConfig
from openqualify.server.event_hub.runtime import EventHubRuntime
from openqualify.server.observability import hub as hub_metrics
from openqualify.server.observability import metrics
from openqualify.server.observability.logs import log_config
from openqualify.server.observability.tracing import Tracing
from openqualify.server.sandbox.faults.deliveries import SandboxDeliveryFaults

logger = logging.getLogger("openqualify.event_hub")

DELIVERY_POOL_SIZE = 4  # claims and records are short transactions, one or two at a time
_PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:
    """Linux: SIGTERM this process when the one that started it dies, even by SIGKILL (no orphaned deliverer)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


async def deliver_until_stopped(settings: Settings, config: HubConfig, stop: asyncio.Event) -> None:
    """Run the hub's background work on an engine of its own until `stop` is set, then drain and close."""
    tracing = Tracing.configure()
    engine = make_async_engine(
        settings.database_url,
        pool_size=DELIVERY_POOL_SIZE,
        lock_timeout=settings.db_lock_timeout,
        statement_timeout=settings.statement_timeout_ms / 1000,
        pooler=settings.database_pooler,
    )
    try:
        if tracing is not None:
            tracing.instrument_engine(engine)
        runtime = EventHubRuntime(
            config,
            make_sessionmaker(engine),
            allow_private=settings.sandbox_enabled or config.event_hub_allow_private,
            tracer=tracing.tracer if tracing is not None else None,
        )
        if settings.sandbox_enabled:  # the organisations' delivery fault rules
            runtime.dispatcher.delivery_faults = SandboxDeliveryFaults(engine)
        await runtime.start()
        logger.info(
            "event hub: delivering from a process of its own [%d] (woken through %s)",
            os.getpid(),
            config.event_hub_wake_socket,
        )
        try:
            await stop.wait()
        finally:
            await runtime.stop()
    finally:
        await engine.dispose()
        if tracing is not None:
            tracing.shutdown()


def main() -> None:
    """The process's entry point: settings from the environment `serve` prepared."""
    _end_with_parent()
    settings = get_settings()
    logging.config.dictConfig(log_config(settings.log_level, settings.log_format))
    if settings.metrics_enabled:  # into the workers' shared files: any worker's scrape shows the deliveries
        database = "sqlite" if is_sqlite(settings.database_url) else "postgresql"
        metrics.enable(mode=settings.mode.value, database=database)
        hub_metrics.enable()
    config = HubConfig(event_hub_dispatcher=True)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for each in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(each, stop.set)
        await deliver_until_stopped(settings, config, stop)

    asyncio.run(run())


__all__ = ["deliver_until_stopped", "main"]
