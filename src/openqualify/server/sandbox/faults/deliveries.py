"""Delivery faults: the organisation's rules with `"target": "deliveries"` applied to its webhooks (sandbox mode).

The sandbox's app start-up hands `SandboxDeliveryFaults` to the Event hub's dispatcher (`event_hub.hooks`), which
asks it about every claimed delivery before sending (`prepare`) and sends through what it answers (`send`):

- `latencyMs`/`latency` delay the attempt; `reorderWindowMs` holds it for a drawn part of the window, so that
  deliveries released together arrive out of order (both wait before the attempt takes a sending slot);
- `dropFirst: N` fails the first N attempts of each matching delivery without sending (`status` records that
  status instead of none, and alone fails every matching attempt); the retry schedule then runs as for a real
  failure, on the organisation's clock;
- `duplicate` sends the delivery a second time, with the same `webhook-id`; the second attempt is logged too. The
  delivery follows the first send, unless only the duplicate was acknowledged (a 2xx): then it is delivered.

Every injected fault is written in the attempt's `error` (`sandbox fault: ...`), which `GET /event-hub/deliveries`
shows. Matching attempts are counted in the database as request rules count requests (shared `times`, `every`);
a seeded rule draws from the event's position in the organisation's feed and the attempt's number rather than
from its match count, because a worker's deliveries are prepared concurrently (docs/decisions.md T17).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from openqualify.server.db.engine import write_intent
from openqualify.server.db.faults import is_connection_lost
from openqualify.server.db.models import SandboxFaultRule
from openqualify.server.event_hub.catalogue import EVENT_TYPES
from openqualify.server.event_hub.dispatcher import attempt_id
from openqualify.server.event_hub.hooks import NO_INJECTION, Injection
from openqualify.server.event_hub.models import HubAttempt, HubEvent
from openqualify.server.event_hub.outbox import Claimed, Outcome
from openqualify.server.event_hub.retry import next_delay
from openqualify.server.kit.errors import SchemaValidationError
from openqualify.server.sandbox.faults.repository import count_hit, count_match
from openqualify.server.sandbox.faults.rules import Draws, fires, latency_ms, uniform
from openqualify.server.sandbox.faults.schemas import DELIVERY_STATUSES, FaultRuleIn

logger = logging.getLogger("openqualify.sandbox.faults")

REQUEST_ONLY = ("retryAfter", "drop")
DELIVERY_ONLY = ("duplicate", "reorderWindowMs", "dropFirst")
MAX_HOLD_MS = 40_000  # latency plus reorder hold: well inside the dispatcher's 60 s lease
PREFIX = "sandbox fault"
DUPLICATE = "duplicate (the same delivery sent again, same webhook-id)"
ACKNOWLEDGED = "the first send failed and this one was acknowledged: delivered"


# --- the rule as given ---------------------------------------------------------------------------------------


def refuse_fields(model: BaseModel, names: Sequence[str], where: str, target: str) -> None:
    """A field of the other target is an error, not ignored: a rule that would silently never act tests nothing."""
    given = [name for name in names if getattr(model, name) is not None]
    if given:
        raise SchemaValidationError(f"data.{where}{given[0]} is for a rule with target {target}")


def _check_event_type(pattern: str) -> str:
    if pattern == "*" or pattern in EVENT_TYPES:
        return pattern
    if pattern.endswith(".*") and any(t.startswith(pattern[:-1]) for t in EVENT_TYPES):
        return pattern
    raise SchemaValidationError(
        f"data.match.eventType should be *, an event type of the catalogue (GET /event-hub/event-types) or a "
        f"category prefix such as user.*: {pattern}"
    )


def _check_url(pattern: str) -> str:
    if pattern == "*" or pattern.startswith(("http://", "https://")):
        return pattern
    raise SchemaValidationError(f"data.match.url should be *, an endpoint URL or a prefix ending in *: {pattern}")


def checked_delivery_rule(body: FaultRuleIn) -> dict[str, Any]:
    """A delivery rule as it is kept, or the flat 400 saying what is wrong with it."""
    refuse_fields(body, REQUEST_ONLY, "", "requests")
    refuse_fields(body.match, ("method", "path"), "match.", "requests")
    event_type = _check_event_type(body.match.eventType or "*")
    url = _check_url(body.match.url or "*")
    if body.status is not None and body.status not in DELIVERY_STATUSES:
        allowed = ", ".join(str(s) for s in sorted(DELIVERY_STATUSES))
        raise SchemaValidationError(f"data.status of a delivery rule should be one of {allowed}")
    effects = (body.latencyMs, body.latency, body.duplicate or None, body.reorderWindowMs, body.dropFirst, body.status)
    if all(value is None for value in effects):
        raise SchemaValidationError(
            "data should have at least one of latencyMs, latency, duplicate, reorderWindowMs, dropFirst, status"
        )
    rule = body.model_dump(exclude_none=True, exclude={"match", *REQUEST_ONLY})
    if not body.duplicate:
        rule.pop("duplicate", None)
    rule["match"] = {"eventType": event_type, "url": url}
    if body.latency is not None:
        rule["latency"] = body.latency.model_dump(exclude_none=True)
    return rule


def _fits(pattern: str, value: str) -> bool:
    return pattern == "*" or pattern == value or (pattern.endswith("*") and value.startswith(pattern[:-1]))


def matches(rule: dict[str, Any], event_type: str, url: str, attempt_number: int) -> bool:
    """Whether a delivery rule applies to this attempt (numbered from 1) of a delivery of `event_type` to `url`;
    a `dropFirst` rule applies to the first N attempts only."""
    if rule.get("target") != "deliveries":
        return False
    match = rule["match"]
    if not (_fits(match["eventType"], event_type) and _fits(match["url"], url)):
        return False
    drop_first = rule.get("dropFirst")
    return drop_first is None or attempt_number <= drop_first


class DeliveryDraws(Draws):
    """A seeded delivery rule's numbers: fixed by the event's position in the feed and the attempt's number, so
    the same operations in a fresh organisation give the same faults whatever order the sends start in."""

    def __init__(self, seed: int | None, position: int, attempt_number: int) -> None:
        super().__init__(seed, position)
        self.attempt_number = attempt_number

    def next(self, purpose: str) -> float:
        if self.seed is None:
            return super().next(purpose)
        return uniform(self.seed, self.n, f"delivery:{self.attempt_number}:{purpose}")


# --- what one attempt gets -----------------------------------------------------------------------------------


@dataclass
class DeliveryFault:
    """The faults injected into one attempt of one delivery (an `event_hub.hooks.Injection`)."""

    engine: AsyncEngine
    claimed: Claimed
    rules: list[str] = field(default_factory=list)
    latency_ms: float = 0.0
    hold_ms: float = 0.0  # the reorder hold
    duplicate: bool = False
    dropped: bool = False
    status: int | None = None

    def notes(self) -> list[str]:
        notes = []
        if self.latency_ms:
            notes.append(f"delayed {round(self.latency_ms)} ms")
        if self.hold_ms:
            notes.append(f"held {round(self.hold_ms)} ms (reorder)")
        return notes

    def describe(self, what: str | None = None) -> str:
        parts = ([what] if what else []) + self.notes()
        return f"{PREFIX}: {', '.join(parts)} (rule {', '.join(self.rules)})"

    async def wait(self) -> None:
        delay = min(self.latency_ms + self.hold_ms, MAX_HOLD_MS)
        if delay > 0:
            await asyncio.sleep(delay / 1000)

    async def send(self, attempt: Callable[[], Awaitable[Outcome]]) -> Outcome:
        if self.dropped or self.status is not None:
            return self._failed()
        outcome = await attempt()
        if self.notes():
            outcome.error = _joined(outcome.error, self.describe())
        if not (self.duplicate and outcome.attempted):
            return outcome
        again = await attempt()
        again.error = _joined(again.error, self.describe(DUPLICATE))
        if again.status == "delivered" and outcome.status != "delivered":
            # The receiver acknowledged the duplicate: it has the event, so the delivery is delivered (no retry);
            # the first send's failure stays in the log as an attempt row of its own (T25).
            again.error = f"{again.error}; {ACKNOWLEDGED}"
            await self._log_attempt(outcome)
            return again
        await self._log_attempt(again)
        return outcome

    def _failed(self) -> Outcome:
        """An attempt that fails without a request, moved on by the retry schedule like a real failure."""
        claimed = self.claimed
        attempts = claimed.attempt_count + 1
        at = claimed.clock.now()
        what = f"status {self.status}" if self.status is not None else "dropped"
        outcome = Outcome(
            claimed.delivery_id, claimed.org_id, claimed.endpoint_id, claimed.url, "failed", attempts, at,
            status_code=self.status, error=self.describe(what + " (not sent)"),
        )  # fmt: skip
        delay = next_delay(attempts)
        if delay is None:
            outcome.error = f"{outcome.error}; gave up after {attempts} attempts"
        else:
            outcome.status = "retrying"
            due = at + delay  # to the millisecond, as the dispatcher does
            outcome.next_attempt_at = due.replace(microsecond=due.microsecond // 1000 * 1000)
        return outcome

    async def _log_attempt(self, outcome: Outcome) -> None:
        """The attempt row of the send whose outcome the delivery does not follow (the dispatcher records the other
        with the delivery's state): the duplicate's, or the first send's when only the duplicate was acknowledged."""
        row = {
            "id": attempt_id(), "org_id": outcome.org_id, "delivery_id": outcome.delivery_id,
            "attempted_at": outcome.attempted_at, "endpoint_url": outcome.url, "status_code": outcome.status_code,
            "error": outcome.error, "duration_ms": outcome.duration_ms, "response_body": outcome.response_body,
        }  # fmt: skip
        intent = write_intent.set(True)
        try:
            async with self.engine.begin() as connection:
                await connection.execute(insert(HubAttempt), [row])
        except Exception:
            logger.exception("sandbox: an attempt of delivery %s could not be logged", outcome.delivery_id)
        finally:
            write_intent.reset(intent)


def _joined(error: str | None, note: str) -> str:
    return note if not error else f"{error}; {note}"


# --- the hook the dispatcher calls ---------------------------------------------------------------------------

_RULES_OF = (
    select(SandboxFaultRule.org_id, SandboxFaultRule.id, SandboxFaultRule.rule)
    .where(SandboxFaultRule.org_id.in_(bindparam("org_ids", expanding=True)))
    .order_by(SandboxFaultRule.created_at, SandboxFaultRule.id)
)
_POSITION = select(HubEvent.position).where(HubEvent.id == bindparam("event_id"))
PRELOADED_MAX = 10_000  # deliveries whose rules were read with their claim and not yet asked for


class SandboxDeliveryFaults:
    """What `event_hub.hooks.DeliveryFaults` asks: the faults of one claimed delivery's next attempt."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # Delivery id -> its organisation's rules, read once for the claim that leased it (`preload`): a claim's
        # sends start together, and a read each took a pooled connection each (new ones past the pool's size).
        self._preloaded: dict[str, list[tuple[str, dict[str, Any]]]] = {}

    async def preload(self, claimed: Sequence[Claimed]) -> None:
        sending = [c for c in claimed if c.endpoint_id is not None and c.endpoint_enabled]
        if not sending:
            return
        by_org = await self._rules_of({c.org_id for c in sending})
        if len(self._preloaded) > PRELOADED_MAX:  # sends that never asked (a shutdown): forget them
            self._preloaded.clear()
        for item in sending:
            self._preloaded[item.delivery_id] = by_org.get(item.org_id, [])

    async def _rules_of(self, org_ids: set[str]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        """The organisations' delivery rules (id, rule) in creation order, in one read."""
        intent = write_intent.set(False)  # a plain read: on SQLite no write lock for it
        try:
            async with self.engine.connect() as connection:
                rows = (await connection.execute(_RULES_OF, {"org_ids": sorted(org_ids)})).all()
        finally:
            write_intent.reset(intent)
        by_org: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for row in rows:
            by_org.setdefault(row.org_id, []).append((row.id, row.rule))
        return by_org

    async def prepare(self, claimed: Claimed) -> Injection:
        if claimed.endpoint_id is None or not claimed.endpoint_enabled:
            return NO_INJECTION  # nothing would be sent: the dispatcher records why
        try:
            fault = await self._decide(claimed)
        except Exception as error:  # the rules could not be read or counted: deliver as if there were none
            if is_connection_lost(error):
                logger.warning("delivery faults skipped for %s: the database is unavailable", claimed.delivery_id)
            else:
                logger.exception("delivery faults skipped for %s", claimed.delivery_id)
            return NO_INJECTION
        if fault is None:
            return NO_INJECTION
        await fault.wait()
        return fault

    async def _decide(self, claimed: Claimed) -> DeliveryFault | None:
        number = claimed.attempt_count + 1
        rules = self._preloaded.pop(claimed.delivery_id, None)
        if rules is None:  # not read with its claim
            rules = (await self._rules_of({claimed.org_id})).get(claimed.org_id, [])
        matching = [(id_, rule) for id_, rule in rules if matches(rule, claimed.event_type, claimed.url, number)]
        if not matching:
            return None
        intent = write_intent.set(True)
        try:
            async with self.engine.begin() as connection:
                return await self._count(connection, claimed, matching, number)
        finally:
            write_intent.reset(intent)

    async def _count(
        self, connection: AsyncConnection, claimed: Claimed, matching: list[tuple[str, dict[str, Any]]], number: int
    ) -> DeliveryFault | None:
        """Count the attempt for every matching rule; the fault of those that fire (the longest delay and hold,
        a duplicate if any asks, the first failure in creation order)."""
        position: int | None = None
        fault = DeliveryFault(self.engine, claimed)
        for rule_id, rule in matching:
            counted = await count_match(connection, rule_id)
            if counted is None:
                continue  # deleted meanwhile
            n, hits = counted
            seed = rule.get("seed")
            if seed is not None and position is None:
                position = (await connection.execute(_POSITION, {"event_id": claimed.event_id})).scalar() or 0
            draws = DeliveryDraws(seed, position or 0, number)
            if not fires(rule, n, hits, draws) or not await count_hit(connection, rule_id, rule.get("times")):
                continue
            fault.rules.append(rule_id)
            fault.latency_ms = max(fault.latency_ms, latency_ms(rule, draws))
            if rule.get("reorderWindowMs"):
                fault.hold_ms = max(fault.hold_ms, rule["reorderWindowMs"] * draws.next("reorder"))
            fault.duplicate = fault.duplicate or bool(rule.get("duplicate"))
            failing = "dropFirst" in rule or "status" in rule
            if failing and not fault.dropped and fault.status is None:
                fault.dropped = "status" not in rule
                fault.status = rule.get("status")
        return fault if fault.rules else None
