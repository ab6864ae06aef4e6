"""Raising events: staged in the unit of work's session, numbered at its commit.

`emit(session, type, data)` writes the event (and one delivery per endpoint that receives it) into the request's
transaction, so a rolled-back request raises nothing and an acknowledged change always has its event: the outbox
pattern. The hub's settings are read once per unit of work (`hub_state`, with the organisation's clock); when the
hub is off or the type is turned off nothing is written.

The feed's order is commit order. On PostgreSQL events are inserted without a position; just before the
transaction commits (`before_commit`, after `kit.deps` raised the organisation's data version) the organisation's
counter row in `event_hub_settings` is raised by the number of events staged, which locks that row until the
commit, and the staged events take the positions below it. So an organisation's committing writers pass that
point one at a time and in the order they commit: a reader following the cursor never sees a later position
before an earlier one becomes visible. On SQLite, with one writer at a time, the counter is raised when the
events are staged (that update takes the write lock until the commit) and the events are inserted numbered.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, event, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from openqualify.server.db.bulk import insert_table_rows
from openqualify.server.db.models import Organisation
from openqualify.server.event_hub.catalogue import BY_TYPE, anonymised
from openqualify.server.event_hub.models import HubDelivery, HubEndpoint, HubEvent, HubEventSetting, HubSettings
from openqualify.server.kit.auth import ORG_CHANGED
from openqualify.server.kit.chunks import CHUNK, pause
from openqualify.server.kit.clock import OrgClock, system_now
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.tenancy import ORG_KEY, bound_org
from openqualify.server.observability import hub as hub_metrics

STATE_KEY = "event_hub.state"
STAGED_KEY = "event_hub.staged"
RAISED_KEY = "event_hub.raised"  # type -> events staged in the transaction, counted in the metrics at its commit
WAKE_KEY = "event_hub.wake"

PENDING = "pending"


def event_id() -> str:
    return f"evt_{push_id()}"


def delivery_id() -> str:
    return f"dlv_{push_id()}"


@dataclass(frozen=True, slots=True)
class Target:
    """An endpoint an event goes to."""

    id: str
    url: str


@dataclass(slots=True)
class HubState:
    """What one unit of work needs to raise events: the clock, whether the hub and each type are on, where
    each type goes."""

    org_id: str
    clock: OrgClock
    exists: bool = False  # the organisation saved its settings once (the row holds the feed's counter)
    enabled: bool = False
    events: dict[str, tuple[bool, bool]] = field(default_factory=dict)  # type -> (enabled, anonymous)
    endpoints: dict[str | None, list[tuple[str, str, bool]]] = field(default_factory=dict)  # type -> (id, url, on)

    def raises(self, event_type: str) -> bool:
        return self.enabled and self.events.get(event_type, (True, False))[0]

    def anonymous(self, event_type: str) -> bool:
        return self.events.get(event_type, (True, False))[1]

    def targets(self, event_type: str) -> list[Target]:
        """The type's own endpoints when it lists any, else the default ones; enabled ones only."""
        chosen = self.endpoints.get(event_type) or self.endpoints.get(None, [])
        return [Target(id_, url) for id_, url, enabled in chosen if enabled]


# Every unit of work that may raise an event reads this once (hub on or off): built once, not per request.
_HUB_STATE = (
    select(
        Organisation.clock_frozen_at,
        Organisation.clock_offset_seconds,
        HubSettings.enabled,
        HubSettings.org_id,
        HubSettings.updated_at,
    )
    .select_from(Organisation)
    .outerjoin(HubSettings, HubSettings.org_id == Organisation.id)
    .where(Organisation.id == bindparam("org_id"))
)


async def hub_state(session: AsyncSession) -> HubState:
    """The hub's settings for the session's organisation, read once per unit of work (one statement while the
    hub is off)."""
    cached = session.info.get(STATE_KEY)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    org_id = bound_org(session.sync_session)
    if org_id is None:
        raise RuntimeError("events are raised in a unit of work bound to an organisation")
    row = (await session.execute(_HUB_STATE, {"org_id": org_id})).one()
    state = HubState(org_id, OrgClock(row.clock_frozen_at, row.clock_offset_seconds))
    state.exists = row.org_id is not None
    state.enabled = bool(row.enabled)
    if state.enabled:
        key = (org_id, row.updated_at)
        cached_routing = _ROUTING.get(key)
        if cached_routing is None:
            await load_routing(session, state)
            if len(_ROUTING) >= ROUTING_CACHE_SIZE:
                _ROUTING.clear()
            _ROUTING[key] = (state.events, state.endpoints)
        else:
            state.events, state.endpoints = cached_routing
    session.info[STATE_KEY] = state
    return state


# An organisation's routing (per-type settings and endpoints) as of its settings row's `updated_at`, which every
# change of them moves (wall clock): a write then reads one row, not three tables. Per process, bounded.
ROUTING_CACHE_SIZE = 4096
_ROUTING: dict[tuple[str, Any], tuple[dict[str, tuple[bool, bool]], dict[str | None, list[tuple[str, str, bool]]]]] = {}


async def load_routing(session: AsyncSession, state: HubState) -> None:
    """Per-type settings and endpoints (only needed while the hub is on, or for a test event)."""
    events: dict[str, tuple[bool, bool]] = {}
    for setting in (await session.execute(select(HubEventSetting))).scalars():
        events[setting.event_type] = (setting.enabled, setting.anonymous)
    endpoints: dict[str | None, list[tuple[str, str, bool]]] = {}
    rows = await session.execute(
        select(HubEndpoint.id, HubEndpoint.url, HubEndpoint.enabled, HubEndpoint.event_type).order_by(
            HubEndpoint.position
        )
    )
    for id_, url, enabled, event_type in rows:
        endpoints.setdefault(event_type, []).append((id_, url, enabled))
    state.events, state.endpoints = events, endpoints  # new objects: a cached routing is never changed


def forget_state(session: AsyncSession) -> None:
    """The settings changed in this unit of work: read them again if it raises events after."""
    session.info.pop(STATE_KEY, None)


async def wants(session: AsyncSession, event_type: str) -> HubState | None:
    """The hub state when events of this type are raised now, else None (so callers skip building payloads)."""
    assert event_type in BY_TYPE, event_type
    state = await hub_state(session)
    return state if state.raises(event_type) else None


async def emit(session: AsyncSession, event_type: str, data: dict[str, Any]) -> None:
    """Raise one event in the session's transaction (nothing when the hub or the type is off)."""
    state = await wants(session, event_type)
    if state is not None:
        await stage(session, state, event_type, [data])


async def emit_many(session: AsyncSession, event_type: str, items: Iterable[dict[str, Any]]) -> None:
    """Raise one event per item, in order (a bulk operation's items)."""
    state = await wants(session, event_type)
    if state is not None:
        await stage(session, state, event_type, items)


async def stage(
    session: AsyncSession, state: HubState, event_type: str, items: Iterable[dict[str, Any]], *, test: bool = False
) -> list[dict[str, Any]]:
    """Insert the events and their deliveries (positions come at commit); returns the event rows."""
    now = state.clock.now()
    stored = system_now()
    anonymous = state.anonymous(event_type)
    targets = state.targets(event_type)
    staged = int(session.info.get(STAGED_KEY, 0))
    events: list[dict[str, Any]] = []
    for data in items:
        staged += 1
        events.append(
            {
                "id": event_id(),
                "org_id": state.org_id,
                "type": event_type,
                "occurred_at": now,
                "stored_at": stored,
                "test": test,
                "data": anonymised(data) if anonymous else data,
                "position": None,
                "seq": staged,
                "relayed_at": None,
                "relay_lease_until": None,
            }
        )
    if not events:
        return events
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        session.info[STAGED_KEY] = staged  # numbered at commit (_number_staged_events)
    else:
        # SQLite: numbered now. The counter's update takes the database's write lock, which the transaction then
        # holds until it ends, so positions are taken in commit order; the events go in with their positions.
        connection = await session.connection()
        counter = await connection.exec_driver_sql(_RAISE_COUNTER_SQLITE, (len(events), state.org_id))
        last = counter.scalar_one()
        for offset, row in enumerate(events, start=last - len(events) + 1):
            row["position"] = offset
        session.info[WAKE_KEY] = True
    raised: Counter[str] = session.info.setdefault(RAISED_KEY, Counter())
    raised[event_type] += len(events)
    for start in range(0, len(events), CHUNK):
        chunk = events[start : start + CHUNK]
        deliveries = [new_delivery(state.org_id, e["id"], t, now) for e in chunk for t in targets]
        if postgresql:
            await session.execute(_INSERT_EVENTS, chunk)
            if deliveries:
                await session.execute(_INSERT_DELIVERIES, deliveries)
            if len(events) > CHUNK:
                await pause()
        else:  # the driver's executemany of plain tuples (db.bulk): a raising write's statements cost it less
            await insert_table_rows(session, _EVENTS, chunk)
            await insert_table_rows(session, _DELIVERIES, deliveries)
    return events


# Core inserts of the tables (the rows carry their organisation): the ORM's bulk insert of dictionaries costs
# more per write than the two statements themselves.
_EVENTS = cast(Table, HubEvent.__table__)
_DELIVERIES = cast(Table, HubDelivery.__table__)
_INSERT_EVENTS = insert(_EVENTS)
_INSERT_DELIVERIES = insert(_DELIVERIES)


def new_delivery(org_id: str, event_id_: str, target: Target, now: Any) -> dict[str, Any]:
    return {
        "id": delivery_id(),
        "org_id": org_id,
        "event_id": event_id_,
        "endpoint_id": target.id,
        "endpoint_url": target.url,
        "status": PENDING,
        "attempt_count": 0,
        "next_attempt_at": now,
        "lease_owner": None,
        "lease_expires_at": None,
        "last_attempt_at": None,
        "last_status_code": None,
        "last_error": None,
        "created_at": now,
    }


# --- commit: positions, then a wake-up for the dispatchers ------------------------------------------------


# Built once (a write that raises events runs them): building ORM statements per commit cost more than running
# them.
_NUMBER_POSTGRESQL = text(
    "WITH counter AS (UPDATE event_hub_settings SET last_position = last_position + :staged "
    "WHERE org_id = :org_id RETURNING last_position) "
    "UPDATE event_hub_events SET position = counter.last_position - :staged + event_hub_events.seq FROM counter "
    "WHERE event_hub_events.org_id = :org_id AND event_hub_events.position IS NULL"
)
_RAISE_COUNTER_SQLITE = (  # the driver's own statement (qmark): staged, org_id
    "UPDATE event_hub_settings SET last_position = last_position + ? WHERE org_id = ? RETURNING last_position"
)


@event.listens_for(Session, "before_commit")
def _number_staged_events(session: Session) -> None:
    """PostgreSQL: the staged events take their positions as the transaction's last statement (SQLite numbers them
    as they are staged)."""
    staged = session.info.pop(STAGED_KEY, 0)
    if not staged:
        return
    # Runs inside the AsyncSession's commit (a greenlet), so this synchronous execute is the async driver's.
    session.execute(_NUMBER_POSTGRESQL, {"staged": staged, "org_id": session.info[ORG_KEY]})
    session.info[WAKE_KEY] = True


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    raised: Counter[str] | None = session.info.pop(RAISED_KEY, None)
    if raised:  # stored for good: counted now, never for a transaction rolled back
        for event_type, count in raised.items():
            hub_metrics.events_raised(event_type, count)
    # New events to send, or a moved sandbox clock (retries may have fallen due).
    if session.info.pop(WAKE_KEY, False) or session.info.get(ORG_CHANGED):
        wake_dispatchers()


@event.listens_for(Session, "after_rollback")
def _forget_staged(session: Session) -> None:
    session.info.pop(STAGED_KEY, None)
    session.info.pop(RAISED_KEY, None)
    session.info.pop(WAKE_KEY, None)


_WAKERS: dict[int, tuple[asyncio.AbstractEventLoop, Callable[[], None]]] = {}


def register_waker(key: int, loop: asyncio.AbstractEventLoop, wake: Callable[[], None]) -> None:
    """A dispatcher of this process, woken after every commit that raised events (from any thread)."""
    _WAKERS[key] = (loop, wake)


def unregister_waker(key: int) -> None:
    _WAKERS.pop(key, None)


def wake_dispatchers() -> None:
    for loop, wake in list(_WAKERS.values()):
        if not loop.is_closed():
            loop.call_soon_threadsafe(wake)
