"""Whole-offering lists answered from memory until the organisation's data changes.

A list of thousands of rows costs the database a join per row (on SQLite most of its time is spent there: see
docs/benchmarks.md), while the same list is typically read again and again between writes (dashboards,
pipelines polling). Each organisation has a data version (`org_data_versions`) that the unit of work of every
write raises in the same transaction, as its last statement (`bump_data_version`); a cached answer is kept with
the version read before it was built and served only while that is still the version.

Why this is never stale, on any number of workers and databases: the version and the data become visible
together at commit, and a read takes the version first, then the rows, so an answer is always at least as new
as the version it is stored under. Writes made outside the API (the admin CLI) do not raise it: they create
organisations and tokens, which no cached list shows. Only 200 answers are kept; the cache is per process,
bounded in bytes (`OPENQUALIFY_LIST_CACHE_MB`, 0 turns it off), least recently used first out.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from openqualify.server.db.models import OrgDataVersion
from openqualify.server.kit.clock import system_now
from openqualify.server.kit.tenancy import TENANT_PARAM
from openqualify.server.observability import metrics

CACHED_ROUTE = "__openqualify_cached_list__"
# One entry may take at most this share of the budget: a list that large would evict everything else.
ENTRY_SHARE = 4

# The caller's organisation comes in as the read path's tenant parameter (`kit.reads.ReadContext.first`).
CURRENT_VERSION = select(OrgDataVersion.version).where(OrgDataVersion.organisation_id == bindparam(TENANT_PARAM))
CacheKey = tuple[str, str, bytes]  # organisation, path, query string

# Raised by one; a missing row starts at the current time in microseconds, so that a counter deleted with its
# organisation and created again never meets a version an older answer was kept under.
_BUMP = text(
    "INSERT INTO org_data_versions (organisation_id, version) VALUES (:org_id, :stamp) "
    "ON CONFLICT (organisation_id) DO UPDATE SET version = CASE "
    "WHEN org_data_versions.version + 1 > :stamp THEN org_data_versions.version + 1 ELSE :stamp END"
).bindparams(bindparam("org_id"), bindparam("stamp"))


@dataclass(frozen=True, slots=True)
class Rider:
    """Statements another layer needs as a unit of work's last, run on PostgreSQL as common table expressions of
    the bump's own statement (one round trip instead of two): `ctes` (`name AS (...), ...`, which may not use
    `bump` as a name), their parameters, the select list of the statement's one row over them, and what to do
    with that row (check it; raise to fail the unit of work)."""

    ctes: str
    params: dict[str, Any]
    result: str
    check: Callable[[Any], None]


# The one layer that rides on the bump (the Event hub's outbox), given the session; None when it has nothing to add.
_riders: list[Callable[[Session], Rider | None]] = []


def ride_on_bump(rider: Callable[[Session], Rider | None]) -> None:
    """Register a rider (at import; at most one)."""
    assert not _riders, "one rider only"
    _riders.append(rider)


_BUMP_CTE = (
    "bump AS (INSERT INTO org_data_versions (organisation_id, version) VALUES (:org_id, :stamp) "
    "ON CONFLICT (organisation_id) DO UPDATE SET version = CASE "
    "WHEN org_data_versions.version + 1 > :stamp THEN org_data_versions.version + 1 ELSE :stamp END)"
)
_RIDDEN: dict[str, Any] = {}  # the statements with a rider, built once per rider text


async def bump_data_version(session: AsyncSession, org_id: str) -> None:
    """Raise the organisation's data version: the last statement of every write's unit of work (with a rider's
    statements on PostgreSQL)."""
    params = {"org_id": org_id, "stamp": int(system_now().timestamp() * 1_000_000)}
    if _riders and session.get_bind().dialect.name == "postgresql":
        rider = _riders[0](session.sync_session)
        if rider is not None:
            await session.flush()  # the ORM's pending changes go first, as they would at the commit
            key = rider.ctes + rider.result
            statement = _RIDDEN.get(key)
            if statement is None:
                statement = _RIDDEN[key] = text(f"WITH {_BUMP_CTE}, {rider.ctes} SELECT {rider.result}")
            rider.check((await session.execute(statement, {**rider.params, **params})).one())
            return
    await session.execute(_BUMP, params)


def cached_list(endpoint: Any) -> Any:
    """Mark a read route whose 200 answers may be served from the list cache (`router.read(..., cached=True)`)."""
    setattr(endpoint, CACHED_ROUTE, True)
    return endpoint


class ListCache:
    """(organisation, path, query) -> (data version, JSON bytes), bounded in bytes, least recently used out."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[CacheKey, tuple[int, bytes]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: CacheKey, version: int) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != version:
            metrics.list_cache_lookup(hit=False)
            return None
        self._entries.move_to_end(key)
        metrics.list_cache_lookup(hit=True)
        return entry[1]

    def put(self, key: CacheKey, version: int, body: bytes) -> None:
        if len(body) * ENTRY_SHARE > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= len(old[1])
        self._entries[key] = (version, body)
        self.size += len(body)
        evictions = 0
        while self.size > self.max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self.size -= len(evicted)
            evictions += 1
        metrics.list_cache_stored(self.size, evictions)
