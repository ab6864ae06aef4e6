"""Raising events: staged in the unit of work's session, written and numbered at its commit.

`emit(session, type, data)` stages the event (and one delivery per endpoint that receives it) in the request's
transaction, which writes them as its last statements, so a rolled-back request raises nothing and an
acknowledged change always has its event: the outbox pattern. The hub's settings are read once per unit of work
(`hub_state`, with the organisation's clock); when the hub is off or the type is turned off nothing is staged.

The feed's order is commit order. Just before the transaction commits (`before_commit`, after `kit.deps` raised
the organisation's data version) the organisation's counter row in `event_hub_settings` is raised by the number
of events staged and the events go in numbered below it, with their deliveries: on PostgreSQL in one statement,
whose row lock on the counter is held until the commit, so an organisation's committing writers pass that point
one at a time and in the order they commit (a reader following the cursor never sees a later position before an
earlier one becomes visible); on SQLite, with one writer at a time holding the database's write lock to its end,
through sqlite3's own cursor. A bulk operation writes each chunk as it is staged, to keep the event loop free
(on PostgreSQL unnumbered, numbered by the commit's last statement).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import orjson
from sqlalchemy import Connection, Table, bindparam, event, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from openqualify.server.db.bulk import sqlite_insert
from openqualify.server.db.models import Organisation
from openqualify.server.db.sqlite_inline import write_cursor
from openqualify.server.db.statistics import note_rows_written
from openqualify.server.db.types import naive_utc
from openqualify.server.event_hub.catalogue import BY_TYPE, anonymised
from openqualify.server.event_hub.models import HubDelivery, HubEndpoint, HubEvent, HubEventSetting, HubSettings
from openqualify.server.kit.auth import ORG_CHANGED
from openqualify.server.kit.chunks import CHUNK, pause
from openqualify.server.kit.clock import OrgClock, system_now
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.listcache import Rider, ride_on_bump
from openqualify.server.kit.tenancy import bound_org
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


@dataclass(slots=True)
class Staged:
    """A transaction's events and deliveries not written yet, and how many events it raised (their `seq`)."""

    org_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0
    unnumbered: int = 0  # PostgreSQL: written before the commit, numbered by it


async def stage(
    session: AsyncSession, state: HubState, event_type: str, items: Iterable[dict[str, Any]], *, test: bool = False
) -> list[dict[str, Any]]:
    """Stage the events and their deliveries in the transaction; returns the event rows.

    They are written at the transaction's end, however many types it raised: on PostgreSQL within the data
    version's bump (`_ride_on_the_bump`) or else by one statement at the commit, on SQLite by three of the
    driver's own at the commit (`_write_at_commit`); or before, once a chunk's worth is staged (a bulk
    operation's) or when the transaction reads them back (`write_staged`)."""
    now = state.clock.now()
    stored = system_now()
    anonymous = state.anonymous(event_type)
    targets = state.targets(event_type)
    staged: Staged = session.info.setdefault(STAGED_KEY, Staged(state.org_id))
    events: list[dict[str, Any]] = []
    for data in items:
        staged.count += 1
        row: dict[str, Any] = {
            "id": event_id(),
            "org_id": state.org_id,
            "type": event_type,
            "occurred_at": now,
            "stored_at": stored,
            "test": test,
            "data": anonymised(data) if anonymous else data,
            "position": None,
            "seq": staged.count,
            "relayed_at": None,
            "relay_lease_until": None,
        }
        events.append(row)
        staged.events.append(row)
        staged.deliveries.extend(new_delivery(state.org_id, row["id"], target, now) for target in targets)
        if len(staged.events) >= CHUNK:
            await write_staged(session)
            await pause()
    if events:
        raised: Counter[str] = session.info.setdefault(RAISED_KEY, Counter())
        raised[event_type] += len(events)
        note_rows_written(session, _EVENTS.name, len(events))
        note_rows_written(session, _DELIVERIES.name, len(events) * len(targets))
    return events


async def write_staged(session: AsyncSession) -> None:
    """Write what the transaction has staged so far (numbered on SQLite; on PostgreSQL the commit numbers it)."""
    staged: Staged | None = session.info.get(STAGED_KEY)
    if staged is None or not staged.events:
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.execute(_INSERT_EVENTS, staged.events)
        if staged.deliveries:
            await connection.execute(_INSERT_DELIVERIES, staged.deliveries)
        staged.unnumbered += len(staged.events)
    else:
        assert connection.sync_connection is not None, "an open connection"
        _write_sqlite(connection.sync_connection, staged)
    staged.events, staged.deliveries = [], []


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


# --- commit: written and numbered, then a wake-up for the dispatchers ---------------------------------------


# PostgreSQL, built once. The counter's row lock, taken by the transaction's last statement, is held to the
# commit: an organisation's committing writers pass it one at a time, in commit order.
# The rows come as two JSON documents (`json_to_recordset`): psycopg's adaptation of a dozen Python lists to
# arrays cost the write more than PostgreSQL's parsing of one text each.
_OUTBOX_CTES = (
    "counter AS (UPDATE event_hub_settings SET last_position = last_position + :staged "
    "WHERE org_id = :hub_org RETURNING last_position), "
    "events AS (INSERT INTO event_hub_events (id, org_id, type, occurred_at, stored_at, test, data, position, seq) "
    "SELECT e.id, :hub_org, e.type, e.occurred_at, e.stored_at, e.test, e.data, "
    "counter.last_position - :staged + e.seq, e.seq FROM counter, json_to_recordset(CAST(:events AS json)) "
    "AS e(id text, type text, occurred_at timestamp, stored_at timestamp, test boolean, data json, seq integer) "
    "RETURNING id), "
    "deliveries AS (INSERT INTO event_hub_deliveries (id, org_id, event_id, endpoint_id, endpoint_url, status, "
    "attempt_count, next_attempt_at, created_at) "
    f"SELECT d.id, :hub_org, d.event_id, d.endpoint_id, d.endpoint_url, '{PENDING}', 0, d.next_attempt_at, "
    "d.next_attempt_at FROM json_to_recordset(CAST(:deliveries AS json)) "
    "AS d(id text, event_id text, endpoint_id text, endpoint_url text, next_attempt_at timestamp) "
    "JOIN events ON events.id = d.event_id RETURNING id)"
)
_OUTBOX_WRITTEN = "(SELECT count(*) FROM events), (SELECT count(*) FROM deliveries)"
_WRITE_POSTGRESQL = text(f"WITH {_OUTBOX_CTES} SELECT {_OUTBOX_WRITTEN}")
_NUMBER_POSTGRESQL = text(
    "WITH counter AS (UPDATE event_hub_settings SET last_position = last_position + :staged "
    "WHERE org_id = :org_id RETURNING last_position) "
    "UPDATE event_hub_events SET position = counter.last_position - :staged + event_hub_events.seq FROM counter "
    "WHERE event_hub_events.org_id = :org_id AND event_hub_events.position IS NULL"
)
_RAISE_COUNTER_SQLITE = (  # the driver's own statement (qmark): staged, org_id
    "UPDATE event_hub_settings SET last_position = last_position + ? WHERE org_id = ? RETURNING last_position"
)


def _write_postgresql(connection: Connection, staged: Staged) -> None:
    """The staged rows, numbered, in one statement with the counter's raise (or, after rows written before the
    commit, those rows and then the numbering of them all)."""
    if staged.unnumbered:
        if staged.events:
            connection.execute(_INSERT_EVENTS, staged.events)
        if staged.deliveries:
            connection.execute(_INSERT_DELIVERIES, staged.deliveries)
        connection.execute(_NUMBER_POSTGRESQL, {"staged": staged.count, "org_id": staged.org_id})
        return
    _check_written(staged, connection.execute(_WRITE_POSTGRESQL, _outbox_params(staged)).one())


def _outbox_params(staged: Staged) -> dict[str, Any]:
    """`_OUTBOX_CTES`' parameters: the staged rows as JSON (date-times naive UTC, as `UTCDateTime` stores them)."""
    events = [
        {
            "id": row["id"],
            "type": row["type"],
            "occurred_at": naive_utc(row["occurred_at"]),
            "stored_at": naive_utc(row["stored_at"]),
            "test": row["test"],
            "data": row["data"],
            "seq": row["seq"],
        }
        for row in staged.events
    ]
    deliveries = [
        {
            "id": row["id"],
            "event_id": row["event_id"],
            "endpoint_id": row["endpoint_id"],
            "endpoint_url": row["endpoint_url"],
            "next_attempt_at": naive_utc(row["next_attempt_at"]),
        }
        for row in staged.deliveries
    ]
    return {
        "staged": staged.count,
        "hub_org": staged.org_id,
        "events": orjson.dumps(events).decode(),
        "deliveries": orjson.dumps(deliveries).decode(),
    }


class OutboxWriteError(RuntimeError):
    """The outbox's statement wrote fewer rows than were staged (the organisation's counter row was missing): the
    unit of work fails rather than commit a change without its events."""


def _check_written(staged: Staged, written: Any) -> None:
    events, deliveries = written
    if (events, deliveries) != (len(staged.events), len(staged.deliveries)):
        raise OutboxWriteError(
            f"the outbox wrote {events} of {len(staged.events)} events and {deliveries} of "
            f"{len(staged.deliveries)} deliveries"
        )


def _ride_on_the_bump(session: Session) -> Rider | None:
    """PostgreSQL, a unit of work's end: the staged rows go in with the data version's bump, its last statement
    (`kit.listcache`), instead of a statement of their own at the commit."""
    staged: Staged | None = session.info.get(STAGED_KEY)
    if staged is None or not staged.events or staged.unnumbered:
        return None  # nothing, or rows written before: the commit numbers them (`_write_at_commit`)
    del session.info[STAGED_KEY]
    session.info[WAKE_KEY] = True
    return Rider(_OUTBOX_CTES, _outbox_params(staged), _OUTBOX_WRITTEN, partial(_check_written, staged))


ride_on_bump(_ride_on_the_bump)


def _write_sqlite(connection: Connection, staged: Staged) -> None:
    """The staged rows numbered from the counter, through sqlite3's own cursor: the transaction holds the
    database's write lock from its first statement to its end, so positions are taken in commit order."""
    cursor = write_cursor(connection.connection.driver_connection)
    try:
        counter = cursor.execute(_RAISE_COUNTER_SQLITE, (len(staged.events), staged.org_id)).fetchall()
        if not counter:
            raise OutboxWriteError(f"no event counter for the organisation: {len(staged.events)} events not written")
        [(last,)] = counter
        for position, row in enumerate(staged.events, start=last - len(staged.events) + 1):
            row["position"] = position
        for table, rows in ((_EVENTS, staged.events), (_DELIVERIES, staged.deliveries)):
            if rows:
                command, values = sqlite_insert(connection.dialect, table, list(rows[0]))
                cursor.executemany(command, [values(row) for row in rows])
    finally:
        cursor.close()


@event.listens_for(Session, "before_commit")
def _write_at_commit(session: Session) -> None:
    """The transaction's staged events and deliveries, written and numbered as its last statements."""
    staged: Staged | None = session.info.pop(STAGED_KEY, None)
    if staged is None or staged.count == 0:
        return
    # Runs inside the AsyncSession's commit (a greenlet), so these synchronous executes are the async driver's.
    # The ORM's changes go first (the counter's row, endpoints the deliveries name may be among them).
    session.flush()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _write_postgresql(connection, staged)
    elif staged.events:
        _write_sqlite(connection, staged)
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
    _OTHER_PROCESSES.pop(key, None)


# Dispatchers of other processes, woken by a message (`event_hub.wake`): an application whose worker does not deliver.
_OTHER_PROCESSES: dict[int, Callable[[], None]] = {}


def register_other_process(key: int, send: Callable[[], None]) -> None:
    _OTHER_PROCESSES[key] = send


def wake_dispatchers() -> None:
    for loop, wake in list(_WAKERS.values()):
        if not loop.is_closed():
            loop.call_soon_threadsafe(wake)
    for send in list(_OTHER_PROCESSES.values()):
        send()
