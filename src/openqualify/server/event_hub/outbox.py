"""The dispatcher's and the relay's statements, across organisations (sessions marked `unscoped`).

Claims take a lease in one short transaction: on PostgreSQL `FOR UPDATE ... SKIP LOCKED` so that workers (and
hosts) claim disjoint deliveries without waiting on each other; on SQLite one conditional UPDATE ... RETURNING
under the database's write lock. A delivery is due when its next attempt time is reached on its organisation's
clock (a sandbox clock may be frozen or moved), its lease (if any) has expired, and its organisation's hub is on
(a test event goes out either way). Nothing is held while the network is waited on: the lease is the claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import Organisation
from openqualify.server.db.types import UTCDateTime
from openqualify.server.event_hub.models import HubDelivery, HubEndpoint, HubEvent, HubSettings
from openqualify.server.kit.chunks import IN_CHUNK, chunks
from openqualify.server.kit.clock import OrgClock, system_now

_OPEN = "d.status IN ('pending', 'retrying')"
_LEASE_FREE = "(d.lease_expires_at IS NULL OR d.lease_expires_at < :now)"
_ON = "(s.enabled OR e.test)"
_JOINS = (
    "JOIN organisations o ON o.id = d.org_id "
    "JOIN event_hub_settings s ON s.org_id = d.org_id "
    "JOIN event_hub_events e ON e.id = d.event_id "
)


def _open_deliveries(dialect: str) -> str:
    """The deliveries to look at: on SQLite through the open ones' partial index, named, since its planner
    otherwise walked every delivery of each organisation (the kept history: 0.5 ms a claim at 3,000 delivered,
    growing with them); PostgreSQL's planner picks the partial index from its statistics."""
    if dialect == "postgresql":
        return "FROM event_hub_deliveries d "
    return "FROM event_hub_deliveries d INDEXED BY ix_event_hub_deliveries_open "


def _dialect(session: AsyncSession) -> str:
    bind = session.bind
    assert bind is not None
    return bind.dialect.name


def _due(dialect: str) -> str:
    """The delivery's next attempt time has come on its organisation's clock (frozen, or real time + offset)."""
    if dialect == "postgresql":
        return (
            "d.next_attempt_at <= COALESCE(o.clock_frozen_at, "
            "CAST(:now AS timestamp) + make_interval(secs => o.clock_offset_seconds))"
        )
    return (
        "julianday(d.next_attempt_at) <= "
        "COALESCE(julianday(o.clock_frozen_at), julianday(:now) + o.clock_offset_seconds / 86400.0)"
    )


def _where(dialect: str) -> str:
    return f"WHERE {_OPEN} AND {_LEASE_FREE} AND {_due(dialect)} AND {_ON} "


_TIMES = (bindparam("now", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime()))


@cache
def _any_due(dialect: str) -> Any:
    return text(f"SELECT d.id {_open_deliveries(dialect)}{_JOINS}{_where(dialect)}LIMIT 1").bindparams(_TIMES[0])


@cache
def _claim(dialect: str) -> Any:
    if dialect == "postgresql":
        sql = (
            f"WITH due AS (SELECT d.id {_open_deliveries(dialect)}{_JOINS}{_where(dialect)}"
            "ORDER BY d.next_attempt_at LIMIT :limit FOR UPDATE OF d SKIP LOCKED) "
            "UPDATE event_hub_deliveries SET lease_owner = :owner, lease_expires_at = :until "
            "FROM due WHERE event_hub_deliveries.id = due.id RETURNING event_hub_deliveries.id"
        )
    else:
        sql = (
            "UPDATE event_hub_deliveries SET lease_owner = :owner, lease_expires_at = :until "
            f"WHERE id IN (SELECT d.id {_open_deliveries(dialect)}{_JOINS}{_where(dialect)}"
            "ORDER BY d.next_attempt_at LIMIT :limit) "
            "RETURNING id"
        )
    return text(sql).bindparams(*_TIMES)


# What sending a claimed delivery takes (built once: a claim runs it for each chunk of ids).
_CLAIMED = (
    select(
        HubDelivery.id,
        HubDelivery.org_id,
        HubDelivery.event_id,
        HubDelivery.endpoint_id,
        HubDelivery.endpoint_url,
        HubDelivery.attempt_count,
        HubEvent.type,
        HubEvent.occurred_at,
        HubEvent.test,
        HubEvent.data,
        HubEvent.stored_at,
        HubEndpoint.url.label("current_url"),
        HubEndpoint.headers,
        HubEndpoint.enabled,
        HubSettings.signing_secret,
        HubSettings.previous_secret,
        HubSettings.previous_secret_expires_at,
        Organisation.clock_frozen_at,
        Organisation.clock_offset_seconds,
    )
    .join(HubEvent, HubEvent.id == HubDelivery.event_id)
    .outerjoin(HubEndpoint, HubEndpoint.id == HubDelivery.endpoint_id)
    .join(HubSettings, HubSettings.org_id == HubDelivery.org_id)
    .join(Organisation, Organisation.id == HubDelivery.org_id)
    .where(HubDelivery.id.in_(bindparam("ids", expanding=True)))
)


@dataclass(slots=True)
class Claimed:
    """A delivery this process holds the lease of, with what sending it takes."""

    delivery_id: str
    org_id: str
    event_id: str
    event_type: str
    occurred_at: datetime
    test: bool
    data: dict[str, Any]
    endpoint_id: str | None
    endpoint_enabled: bool
    url: str
    headers: dict[str, str]
    attempt_count: int
    secrets: list[str]
    clock: OrgClock
    stored_at: datetime | None = None  # wall clock: when the event was raised (the delivery latency's start)


async def any_due(session: AsyncSession, now: datetime) -> bool:
    """A read (no lock): whether a claim would find anything."""
    dialect = _dialect(session)
    return (await session.execute(_any_due(dialect), {"now": now})).first() is not None


async def claim(session: AsyncSession, owner: str, now: datetime, until: datetime, limit: int) -> list[Claimed]:
    """Lease up to `limit` due deliveries to `owner` until `until` (wall clock); the caller commits at once."""
    dialect = _dialect(session)
    result = await session.execute(_claim(dialect), {"now": now, "until": until, "owner": owner, "limit": limit})
    ids = [row[0] for row in result]
    if not ids:
        return []
    claimed: list[Claimed] = []
    for part in chunks(ids, IN_CHUNK):
        for row in await session.execute(_CLAIMED, {"ids": part}):
            clock = OrgClock(row.clock_frozen_at, row.clock_offset_seconds)
            secrets = [row.signing_secret]
            expires = row.previous_secret_expires_at
            if row.previous_secret and expires is not None and expires > clock.now():
                secrets.append(row.previous_secret)
            claimed.append(
                Claimed(
                    delivery_id=row.id,
                    org_id=row.org_id,
                    event_id=row.event_id,
                    event_type=row.type,
                    occurred_at=row.occurred_at,
                    test=row.test,
                    data=row.data,
                    endpoint_id=row.endpoint_id,
                    endpoint_enabled=bool(row.enabled),
                    url=row.current_url or row.endpoint_url,
                    headers=dict(row.headers or {}),
                    attempt_count=row.attempt_count,
                    secrets=secrets,
                    clock=clock,
                    stored_at=row.stored_at,
                )
            )
    return claimed


@dataclass(slots=True)
class Outcome:
    """What became of one claimed delivery."""

    delivery_id: str
    org_id: str
    endpoint_id: str | None
    url: str
    status: str  # delivered | retrying | failed
    attempt_count: int
    attempted_at: datetime  # organisation clock
    next_attempt_at: datetime | None = None
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0
    response_body: str | None = None
    attempted: bool = True  # False: no request was made (the endpoint was turned off meanwhile)
    gone: bool = False  # the receiver answered 410: the endpoint is turned off


_RECORD_DELIVERY = text(
    "UPDATE event_hub_deliveries SET status = :status, attempt_count = :attempt_count, "
    "next_attempt_at = :next_attempt_at, last_attempt_at = :attempted_at, last_status_code = :status_code, "
    "last_error = :error, lease_owner = NULL, lease_expires_at = NULL "
    "WHERE id = :delivery_id AND lease_owner = :owner"
).bindparams(
    bindparam("next_attempt_at", type_=UTCDateTime()), bindparam("attempted_at", type_=UTCDateTime())
)
_INSERT_ATTEMPT = text(
    "INSERT INTO event_hub_attempts (id, org_id, delivery_id, attempted_at, endpoint_url, status_code, error, "
    "duration_ms, response_body) VALUES (:id, :org_id, :delivery_id, :attempted_at, :url, :status_code, :error, "
    ":duration_ms, :response_body)"
).bindparams(bindparam("attempted_at", type_=UTCDateTime()))
_ENDPOINT_OK = text(  # only when it was failing: a healthy endpoint's row is not rewritten by every batch
    "UPDATE event_hub_endpoints SET consecutive_failures = 0, failing_since = NULL WHERE id = :endpoint_id "
    "AND (consecutive_failures <> 0 OR failing_since IS NOT NULL)"
)
_ENDPOINT_FAILED = text(
    "UPDATE event_hub_endpoints SET consecutive_failures = :base + :failures, "
    "failing_since = CASE WHEN :base + :failures >= :failing_after THEN COALESCE(failing_since, :at) END "
    "WHERE id = :endpoint_id"
).bindparams(bindparam("at", type_=UTCDateTime()))
_ENDPOINT_FAILED_MORE = text(
    "UPDATE event_hub_endpoints SET consecutive_failures = consecutive_failures + :failures, "
    "failing_since = CASE WHEN consecutive_failures + :failures >= :failing_after THEN COALESCE(failing_since, :at) "
    "END WHERE id = :endpoint_id"
).bindparams(bindparam("at", type_=UTCDateTime()))
_ENDPOINT_GONE = text(
    "UPDATE event_hub_endpoints SET enabled = :off, disabled_reason = :reason WHERE id = :endpoint_id"
)
_ROUTING_CHANGED = text(
    "UPDATE event_hub_settings SET updated_at = :at WHERE org_id = :org_id"
).bindparams(bindparam("at", type_=UTCDateTime()))
GONE_REASON = "endpoint turned off (410 Gone)"
_FAIL_OPEN = text(
    "UPDATE event_hub_deliveries SET status = 'failed', last_error = :reason, next_attempt_at = NULL, "
    "lease_owner = NULL, lease_expires_at = NULL "
    "WHERE endpoint_id = :endpoint_id AND status IN ('pending', 'retrying') AND id <> :delivery_id"
)


async def record(
    session: AsyncSession, owner: str, outcomes: Sequence[Outcome], new_id: Any, failing_after: int
) -> None:
    """Attempts logged, deliveries moved on (only those whose lease is still ours), endpoints' health updated."""
    attempts = [
        {
            "id": new_id(),
            "org_id": o.org_id,
            "delivery_id": o.delivery_id,
            "attempted_at": o.attempted_at,
            "url": o.url,
            "status_code": o.status_code,
            "error": o.error,
            "duration_ms": o.duration_ms,
            "response_body": o.response_body,
        }
        for o in outcomes
        if o.attempted
    ]
    if attempts:
        await session.execute(_INSERT_ATTEMPT, attempts)
    await session.execute(
        _RECORD_DELIVERY,
        [
            {
                "status": o.status,
                "attempt_count": o.attempt_count,
                "next_attempt_at": o.next_attempt_at,
                "attempted_at": o.attempted_at if o.attempted else None,
                "status_code": o.status_code,
                "error": o.error,
                "delivery_id": o.delivery_id,
                "owner": owner,
            }
            for o in outcomes
        ],
    )
    # Each endpoint's health from its outcomes in this batch, in the order they finished.
    by_endpoint: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.endpoint_id is not None and o.attempted:
            by_endpoint.setdefault(o.endpoint_id, []).append(o)
    for endpoint_id, results in by_endpoint.items():
        successes = [i for i, o in enumerate(results) if o.status == "delivered"]
        failed_after = len(results) - 1 - successes[-1] if successes else len(results)
        at = results[-1].attempted_at
        params = {"endpoint_id": endpoint_id, "failures": failed_after, "failing_after": failing_after, "at": at}
        if successes and failed_after == 0:
            await session.execute(_ENDPOINT_OK, {"endpoint_id": endpoint_id})
        elif successes:
            await session.execute(_ENDPOINT_FAILED, {**params, "base": 0})
        else:
            await session.execute(_ENDPOINT_FAILED_MORE, params)
        for gone in (o for o in results if o.gone):
            reason = f"turned off: the receiver answered 410 Gone at {gone.attempted_at.isoformat()}"
            await session.execute(_ENDPOINT_GONE, {"endpoint_id": endpoint_id, "off": False, "reason": reason})
            await session.execute(_ROUTING_CHANGED, {"org_id": gone.org_id, "at": system_now()})
            await session.execute(
                _FAIL_OPEN,
                {"endpoint_id": endpoint_id, "reason": GONE_REASON, "delivery_id": gone.delivery_id},
            )


# --- the oldest undelivered event (a metric, read at scrape time) -------------------------------------------

# Over the open deliveries only (the partial index `ix_event_hub_deliveries_open`), those that would be sent when
# due: not those of an organisation whose hub is off (they wait on purpose, E6). Wall clock (`stored_at`).
@cache
def _oldest_open(dialect: str) -> Any:
    return text(
        f"SELECT MIN(e.stored_at) AS oldest {_open_deliveries(dialect)}"
        "JOIN event_hub_settings s ON s.org_id = d.org_id JOIN event_hub_events e ON e.id = d.event_id "
        f"WHERE {_OPEN} AND {_ON}"
    ).columns(oldest=UTCDateTime())


async def oldest_undelivered(session: AsyncSession) -> datetime | None:
    """When the oldest event still waiting for a delivery was raised (None: nothing waits)."""
    return (await session.execute(_oldest_open(_dialect(session)))).scalar()


# --- retention ---------------------------------------------------------------------------------------------

_PRUNED_BY_ORG = text(
    "SELECT org_id, MAX(position) FROM event_hub_events WHERE stored_at < :cutoff GROUP BY org_id"
).bindparams(bindparam("cutoff", type_=UTCDateTime()))
_RAISE_PRUNED = text(
    "UPDATE event_hub_settings SET pruned_through = :position WHERE org_id = :org_id AND pruned_through < :position"
)
_DELETE_OLD = text(
    "DELETE FROM event_hub_events WHERE id IN (SELECT id FROM event_hub_events WHERE stored_at < :cutoff LIMIT :batch)"
).bindparams(bindparam("cutoff", type_=UTCDateTime()))


async def prune_step(session: AsyncSession, cutoff: datetime, batch: int) -> int:
    """Delete up to `batch` events stored before `cutoff` (their deliveries and attempts go with them) after
    recording, per organisation, the last position deleted (older cursors then answer 410)."""
    for org_id, position in (await session.execute(_PRUNED_BY_ORG, {"cutoff": cutoff})).all():
        if position is not None:
            await session.execute(_RAISE_PRUNED, {"org_id": org_id, "position": position})
    result = await session.execute(_DELETE_OLD, {"cutoff": cutoff, "batch": batch})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- the NATS relay ----------------------------------------------------------------------------------------

_CLAIM_UNRELAYED = {
    "postgresql": (
        "WITH due AS (SELECT id FROM event_hub_events WHERE relayed_at IS NULL AND position IS NOT NULL "
        "AND (relay_lease_until IS NULL OR relay_lease_until < :now) ORDER BY stored_at LIMIT :limit "
        "FOR UPDATE SKIP LOCKED) UPDATE event_hub_events SET relay_lease_until = :until FROM due "
        "WHERE event_hub_events.id = due.id RETURNING event_hub_events.id"
    ),
    "sqlite": (
        "UPDATE event_hub_events SET relay_lease_until = :until WHERE id IN (SELECT id FROM event_hub_events "
        "WHERE relayed_at IS NULL AND position IS NOT NULL AND (relay_lease_until IS NULL OR relay_lease_until < :now) "
        "ORDER BY stored_at LIMIT :limit) RETURNING id"
    ),
}


@dataclass(slots=True)
class Unrelayed:
    id: str
    org_id: str
    type: str
    occurred_at: datetime
    test: bool
    data: dict[str, Any]


async def claim_unrelayed(session: AsyncSession, now: datetime, until: datetime, limit: int) -> list[Unrelayed]:
    dialect = _dialect(session)
    statement = text(_CLAIM_UNRELAYED[dialect]).bindparams(*_TIMES)
    ids = [row[0] for row in await session.execute(statement, {"now": now, "until": until, "limit": limit})]
    found: list[Unrelayed] = []
    columns = (HubEvent.id, HubEvent.org_id, HubEvent.type, HubEvent.occurred_at, HubEvent.test, HubEvent.data)
    for part in chunks(ids, IN_CHUNK):
        rows = await session.execute(select(*columns).where(HubEvent.id.in_(part)).order_by(HubEvent.position))
        found.extend(Unrelayed(*row) for row in rows)
    return found


_MARK_RELAYED = text(
    "UPDATE event_hub_events SET relayed_at = :at, relay_lease_until = NULL WHERE id = :id"
).bindparams(bindparam("at", type_=UTCDateTime()))


async def mark_relayed(session: AsyncSession, ids: Sequence[str], at: datetime) -> None:
    if ids:
        await session.execute(_MARK_RELAYED, [{"id": id_, "at": at} for id_ in ids])
