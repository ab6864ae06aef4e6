"""Delivering events: one dispatcher per worker process, on the worker's event loop, never blocking it.

A claimer leases due deliveries in short transactions (`outbox.claim`) and starts one task per delivery, up to
`OPENQUALIFY_EVENT_HUB_CONCURRENCY` in flight; each task signs the body (Standard Webhooks), POSTs it with aiohttp
(no transaction open meanwhile) and hands its outcome to a recorder, which writes outcomes in batches (attempts,
delivery states, endpoints' health) in one short transaction each. A commit that raised events wakes the claimer
at once (`emit.wake_dispatchers`); otherwise it looks every `OPENQUALIFY_EVENT_HUB_POLL_SECONDS` for work raised
by other workers and for retries falling due. A process killed mid-delivery leaves leases that expire after
`OPENQUALIFY_EVENT_HUB_LEASE_SECONDS`; another process then claims and sends those deliveries again
(at-least-once: a receiver de-duplicates on `webhook-id`).

aiohttp rather than httpx for the deliveries (docs/decisions.md E22): an attempt cost 0.92 ms (4 in flight) to
1.95 ms (16) of CPU with httpx, 0.23 to 0.16 ms with aiohttp; the SDK keeps httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

import aiohttp
from opentelemetry.trace import Tracer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from openqualify import __version__
from openqualify.server.db.engine import write_intent
from openqualify.server.event_hub import outbox, views
from openqualify.server.event_hub.config import HubConfig
from openqualify.server.event_hub.hooks import NO_DELIVERY_FAULTS, DeliveryFaults
from openqualify.server.event_hub.outbox import Claimed, Outcome
from openqualify.server.event_hub.retry import (
    FAILING_AFTER,
    RETRY_AFTER_STATUSES,
    next_delay,
    parse_retry_after,
)
from openqualify.server.event_hub.signing import signed_headers
from openqualify.server.event_hub.ssrf import RefusedAddress, checked_destination
from openqualify.server.kit.clock import system_now
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.tenancy import unscoped
from openqualify.server.observability import hub as hub_metrics
from openqualify.server.observability.metrics import enabled as metrics_enabled

logger = logging.getLogger("openqualify.event_hub")

RESPONSE_KEPT_BYTES = 2048
CLAIM_BATCH = 100
PREFETCH = 4  # deliveries held per sending slot
RECORD_BATCH = 500
RECORD_GATHER_SECONDS = 0.02
WAKE_SETTLE_SECONDS = 0.02  # as the recorder gathers: a claim then takes the events of several commits
BACKOFF_MAX_SECONDS = 30.0
USER_AGENT = f"OpenQualify-EventHub/{__version__}"


def attempt_id() -> str:
    return f"att_{push_id()}"


async def _first_bytes(stream: aiohttp.StreamReader, limit: int) -> bytes:
    """Up to `limit` bytes of the answer's body, as they come; the rest is not read (the connection is then
    closed rather than kept)."""
    kept = bytearray()
    while len(kept) < limit:
        chunk = await stream.read(limit - len(kept))
        if not chunk:
            break
        kept.extend(chunk)
    return bytes(kept)


def new_client(concurrency: int, timeout: float) -> aiohttp.ClientSession:
    """The worker's HTTP client: at most `concurrency` connections (kept alive between deliveries), no proxy from
    the environment, no cookies kept, bodies as received (not decompressed: only 2 KiB of them are kept)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=0),
        timeout=aiohttp.ClientTimeout(total=timeout),
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
    )


async def attempt(
    client: aiohttp.ClientSession,
    claimed: Claimed,
    *,
    allow_private: bool,
    timeout: float,
    tracer: Tracer | None = None,
) -> Outcome:
    """One HTTP attempt of a claimed delivery, and what it means for the delivery."""
    attempts = claimed.attempt_count + 1
    at = claimed.clock.now()
    outcome = Outcome(
        claimed.delivery_id, claimed.org_id, claimed.endpoint_id, claimed.url, "failed", attempts, at
    )
    if claimed.endpoint_id is None or not claimed.endpoint_enabled:
        outcome.attempted = False
        outcome.attempt_count = claimed.attempt_count
        outcome.error = "endpoint turned off" if claimed.endpoint_id else "endpoint removed"
        return outcome
    body = views.body_bytes(claimed.event_id, claimed.event_type, claimed.occurred_at, claimed.test, claimed.data)
    headers = {
        **claimed.headers,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **signed_headers(claimed.secrets, claimed.event_id, system_now(), body),
    }
    retry_after: timedelta | None = None
    started = time.monotonic()
    span_context = (
        contextlib.nullcontext()
        if tracer is None
        else hub_metrics.delivery_span(tracer, claimed.event_type, claimed.url, attempts)
    )
    with span_context as span:
        if span is not None:
            headers.update(hub_metrics.trace_headers())
        try:
            destination = await checked_destination(claimed.url, allow_private=allow_private)
            if destination.host_header is not None:
                headers["host"] = destination.host_header
            async with asyncio.timeout(timeout):
                async with client.post(
                    destination.url,
                    data=body,
                    headers=headers,
                    allow_redirects=False,
                    server_hostname=destination.sni_hostname,
                ) as response:
                    kept = await _first_bytes(response.content, RESPONSE_KEPT_BYTES)
            outcome.status_code = response.status
            outcome.response_body = kept.decode("utf-8", errors="replace") if kept else None
            if response.status in RETRY_AFTER_STATUSES:
                retry_after = parse_retry_after(response.headers.get("retry-after"), system_now())
        except RefusedAddress as refused:
            outcome.error = f"refused: {refused}"
        except TimeoutError:  # aiohttp's own timeouts are TimeoutErrors too
            outcome.error = f"no answer within {timeout:g} s"
        except (aiohttp.ClientError, ValueError) as error:  # ValueError: a URL aiohttp cannot send to
            outcome.error = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        outcome.duration_ms = int((time.monotonic() - started) * 1000)
        if span is not None:
            hub_metrics.set_delivery_status(span, outcome.status_code, outcome.error)

    code = outcome.status_code
    if code is not None and 200 <= code < 300:
        outcome.status = "delivered"
    elif code == 410:
        outcome.gone = True
        outcome.error = "410 Gone: the endpoint is turned off"
    else:
        delay = next_delay(attempts, retry_after)
        if delay is None:
            outcome.error = outcome.error or f"gave up after {attempts} attempts"
        else:
            outcome.status = "retrying"
            due = at + delay  # to the millisecond the API shows, so that a clock set to the time shown reaches it
            outcome.next_attempt_at = due.replace(microsecond=due.microsecond // 1000 * 1000)
    return outcome


def _count(claimed: Claimed, outcome: Outcome) -> None:
    """The attempt in the hub's metrics: delivered, failed (tried again later) or gave_up (no more attempts)."""
    if not metrics_enabled():
        return
    label = {"delivered": "delivered", "retrying": "failed"}.get(outcome.status, "gave_up")
    hub_metrics.delivery_attempted(label, outcome.duration_ms / 1000)
    if label == "delivered" and claimed.stored_at is not None:
        hub_metrics.event_delivered((system_now() - claimed.stored_at).total_seconds())


class Dispatcher:
    """The claimer, the sends in flight and the recorder of one worker."""

    delivery_faults: DeliveryFaults = NO_DELIVERY_FAULTS  # the sandbox sets its own (hooks.py)

    def __init__(
        self,
        config: HubConfig,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        allow_private: bool,
        owner: str,
        tracer: Tracer | None = None,
    ) -> None:
        self.config = config
        self.tracer = tracer  # a span per attempt, its traceparent sent to the receiver (None: traces are off)
        self.sessionmaker = sessionmaker
        self.allow_private = allow_private
        self.owner = owner
        self.wake = asyncio.Event()
        self.slot_free = asyncio.Event()
        self.outcomes: asyncio.Queue[Outcome] = asyncio.Queue()
        self.in_flight: set[asyncio.Task[None]] = set()  # sends (waiting for a slot or on the wire)
        # Deliveries claimed and not yet recorded: claims wait for the recorder too, so that what this process
        # holds (and every claim has to skip over) stays bounded, and no lease runs out in the recorder's queue.
        self.held = 0
        self.sending = asyncio.Semaphore(config.event_hub_concurrency)  # requests on the wire
        self.stopping = False
        self._client: aiohttp.ClientSession | None = None  # made on first use, on the worker's event loop
        self.sent = 0  # attempts made by this process (for logs and tests)
        # A claimed delivery may wait for the sends ahead of it, then take its own: the lease outlasts them.
        self.lease_seconds = max(config.event_hub_lease_seconds, (PREFETCH + 1) * config.event_hub_timeout_seconds)

    @property
    def client(self) -> aiohttp.ClientSession:
        if self._client is None:
            self._client = new_client(self.config.event_hub_concurrency, self.config.event_hub_timeout_seconds)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def _session(self) -> AsyncSession:
        return unscoped(self.sessionmaker())

    async def run_claims(self) -> None:
        """Claim due deliveries and start their sends. Up to PREFETCH times the concurrency is held (claimed,
        sending or waiting for a sending slot), so that claims come in batches: a claim is a write transaction."""
        failures = 0
        # The look before a claim (a read) spares a write transaction when nothing is due; skipped when the last
        # claim was a full batch (more is probably due) or a commit that raised events has just woken the claimer.
        # A claim that found less than it asked for took everything due: the claimer sleeps until woken or the
        # poll comes round (work raised by other workers, retries falling due).
        look_first = True
        capacity = PREFETCH * self.config.event_hub_concurrency
        batch = min(CLAIM_BATCH, capacity // 2)
        while not self.stopping:
            free = capacity - self.held
            if free < batch:
                self.slot_free.clear()
                await self.slot_free.wait()
                continue
            try:
                claimed = await self._claim(min(free, CLAIM_BATCH), look_first=look_first)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                self._log_failure("claim", error, failures)
                await self._sleep(min(BACKOFF_MAX_SECONDS, 0.5 * 2**failures))
                continue
            self.held += len(claimed)
            if claimed:
                await self._preload_faults(claimed)
            for item in claimed:
                task = asyncio.create_task(self._send(item))
                self.in_flight.add(task)
                task.add_done_callback(self._done)
            if len(claimed) >= min(free, CLAIM_BATCH):
                look_first = False  # a full batch: more is probably due
            else:  # everything due was claimed: new work wakes the claimer, or the next look finds it
                look_first = not await self._sleep(self.config.event_hub_poll_seconds)

    async def _preload_faults(self, claimed: list[Claimed]) -> None:
        """The sandbox's delivery faults read their rules once for the claim (hooks.py); a failure there only
        means each delivery reads them itself."""
        try:
            await self.delivery_faults.preload(claimed)
        except Exception:
            logger.exception("event hub: the delivery faults of a claim could not be read ahead")

    async def _sleep(self, seconds: float) -> bool:
        """Until woken (a commit raised events) or `seconds` passed; True when woken. Woken, it waits a little
        (WAKE_SETTLE_SECONDS) before claiming: the request whose commit woke it answers first (its answer is still on
        its way out through the same event loop), and under a stream of writes one claim takes the events of
        several commits instead of one claim (a write transaction) per event."""
        woken = False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), timeout=seconds)
            woken = True
            await asyncio.sleep(WAKE_SETTLE_SECONDS)
        self.wake.clear()
        return woken

    async def _claim(self, limit: int, *, look_first: bool) -> list[Claimed]:
        now = system_now()
        async with await self._session() as session:
            if look_first:
                token = write_intent.set(False)  # a plain read: on SQLite no write lock for it
                try:
                    if not await outbox.any_due(session, now):
                        return []
                    await session.rollback()
                finally:
                    write_intent.reset(token)
            until = now + timedelta(seconds=self.lease_seconds)
            claimed = await outbox.claim(session, self.owner, now, until, limit)
            await session.commit()
        return claimed

    def _done(self, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)

    async def _send(self, claimed: Claimed) -> None:
        try:
            injection = await self.delivery_faults.prepare(claimed)  # the sandbox's faults (hooks.py); else none
            async with self.sending:
                outcome = await injection.send(lambda: attempt(
                    self.client,
                    claimed,
                    allow_private=self.allow_private,
                    timeout=self.config.event_hub_timeout_seconds,
                    tracer=self.tracer,
                ))
        except Exception as error:  # a bug, not the receiver: keep the delivery going
            logger.exception("event hub: delivery %s failed unexpectedly", claimed.delivery_id)
            outcome = Outcome(
                claimed.delivery_id, claimed.org_id, claimed.endpoint_id, claimed.url, "retrying",
                claimed.attempt_count, claimed.clock.now(), next_attempt_at=claimed.clock.now() + timedelta(minutes=1),
                error=f"internal error: {type(error).__name__}", attempted=False,
            )
        if outcome.attempted:
            self.sent += 1
            _count(claimed, outcome)
        await self.outcomes.put(outcome)

    async def run_recorder(self) -> None:
        while True:
            batch = [await self.outcomes.get()]
            deadline = time.monotonic() + RECORD_GATHER_SECONDS
            while len(batch) < RECORD_BATCH:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self.outcomes.get(), timeout=remaining))
                except TimeoutError:
                    break
            try:
                await self._record(batch)
            finally:
                self.held -= len(batch)
                self.slot_free.set()
                for _ in batch:
                    self.outcomes.task_done()

    async def _record(self, batch: list[Outcome]) -> None:
        for tries in range(1, 6):
            try:
                async with await self._session() as session:
                    await outbox.record(session, self.owner, batch, attempt_id, FAILING_AFTER)
                    await session.commit()
                break
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._log_failure("record", error, tries)
                await asyncio.sleep(min(BACKOFF_MAX_SECONDS, 0.2 * 2**tries))
        else:  # the leases expire and the deliveries are sent again: at least once, never lost
            logger.error("event hub: %d outcomes could not be recorded; they will be retried", len(batch))
        for outcome in batch:
            if outcome.gone:
                logger.warning("event hub: endpoint %s answered 410 Gone and is turned off", outcome.url)

    def _log_failure(self, what: str, error: Exception, count: int) -> None:
        log: Callable[..., None] = logger.warning if count in (1, 10) else logger.debug
        log("event hub: %s failed (%s: %s), retrying", what, type(error).__name__, error)

    async def drain(self, timeout: float) -> None:
        """Stop claiming; let the sends in flight finish (up to `timeout`) and their outcomes be recorded."""
        self.stopping = True
        self.wake.set()
        self.slot_free.set()
        if self.in_flight:
            await asyncio.wait(set(self.in_flight), timeout=timeout)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.outcomes.join(), timeout=timeout)
        await self.close()
