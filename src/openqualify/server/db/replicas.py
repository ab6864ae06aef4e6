"""Reads on hot standbys, with read-your-writes per organisation (decisions Y1-Y7, docs/deployment.md).

`OPENQUALIFY_DATABASE_REPLICA_URLS` names PostgreSQL hot standbys. Units of work always run on the primary;
the read path (the compiled reads of `db.pg_reader` and the Core/ORM read engine) runs on a standby when one is
fit, else on the primary:

- *Fit*: up, still in recovery (a promoted standby is a primary of its own and is skipped) and lagging at most
  `OPENQUALIFY_REPLICA_MAX_LAG_MS`. A monitor task per worker checks every standby twice a second (its replay
  position against the primary's recent positions); a read that meets a lost standby marks it down at once and
  runs on the primary.
- *Read-your-writes*: the client is the organisation (its token). When a write request of an organisation is
  answered, the worker notes the primary's WAL insert position (after the commit, so at or past its commit
  record). A later read of that organisation runs on a standby only once the standby has replayed that position:
  the compiled reads wait for it up to `OPENQUALIFY_REPLICA_WAIT_MS` (polling the standby's replay position),
  the Core/ORM reads use what the monitor last saw; otherwise the primary serves. What this worker wrote is
  therefore always seen by its own later reads; for several workers see decision Y3 (`serve` shares the
  positions between its workers through a small shared file).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import mmap
import os
import time
import zlib
from collections import deque
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openqualify.server.config import Settings
from openqualify.server.db.compiled import CompiledQuery, CompiledReader
from openqualify.server.db.engine import make_async_engine, read_engine
from openqualify.server.db.faults import DatabaseUnreachable, is_connection_lost
from openqualify.server.db.pg_reader import PostgresReader
from openqualify.server.observability.db import observe_engine_pool
from openqualify.server.observability.tracing import Tracing

MONITOR_INTERVAL_SECONDS = 0.5
PROBE_STEP_SECONDS = 0.002  # the first pause between two looks at a standby's replay position (then doubling)
STANDBY_POOL_WAIT_SECONDS = 1.0  # a standby's pool that gives no connection this fast: the primary serves
SHARED_SLOTS = 4096  # organisations hashed into this many positions in the workers' shared file
SHARED_FILE_ENV = "OPENQUALIFY_REPLICA_POSITIONS_FILE"
REPLICA = "replica"  # the standbys' pools in the metrics (decision W5)
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

client_org: ContextVar[str | None] = ContextVar("client_org", default=None)
"""The organisation the current request acts for (set by `ReadYourWritesMiddleware` once it is authenticated)."""

_PRIMARY: Any = object()  # a request's reads pinned to the primary
request_server: ContextVar[list[Any] | None] = ContextVar("request_server", default=None)
"""Where the current request's reads run, once the first of them chose (a standby or _PRIMARY): one request
reads from one server, so its statements never mix a standby's older rows with the primary's newer ones."""

_STANDBY_STATE = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text"
_PRIMARY_POSITION = "SELECT pg_current_wal_insert_lsn()::text"


def lsn(text: str | None) -> int:
    """`'16/B374D848'` -> its byte position."""
    if not text:
        return 0
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


class WritePositions:
    """Organisation -> the primary's WAL position after its last acknowledged write seen here.

    In this process a bounded dict; with several workers (`serve` sets `OPENQUALIFY_REPLICA_POSITIONS_FILE`) also
    a shared file of SHARED_SLOTS positions, each organisation hashed to one slot holding the greatest position
    noted for the organisations of that slot (a collision only makes a read wait for more than it needs)."""

    def __init__(self, shared_path: str | None = None, capacity: int = 100_000) -> None:
        self._own: dict[str, int] = {}
        self._capacity = capacity
        self._file: int | None = None
        self._map: mmap.mmap | None = None
        if shared_path:
            self._file = os.open(shared_path, os.O_RDWR | os.O_CREAT, 0o600)
            if os.fstat(self._file).st_size < SHARED_SLOTS * 8:
                os.ftruncate(self._file, SHARED_SLOTS * 8)
            self._map = mmap.mmap(self._file, SHARED_SLOTS * 8)

    @staticmethod
    def _slot(org_id: str) -> int:
        return (zlib.crc32(org_id.encode()) % SHARED_SLOTS) * 8

    def note(self, org_id: str, position: int) -> None:
        if self._own.get(org_id, 0) < position:
            self._own.pop(org_id, None)
            if len(self._own) >= self._capacity:  # forget the oldest noted (its write is long replayed)
                self._own.pop(next(iter(self._own)))
            self._own[org_id] = position
        if self._map is not None and self._file is not None:
            at = self._slot(org_id)
            fcntl.flock(self._file, fcntl.LOCK_EX)
            try:
                if int.from_bytes(self._map[at : at + 8], "little") < position:
                    self._map[at : at + 8] = position.to_bytes(8, "little")
            finally:
                fcntl.flock(self._file, fcntl.LOCK_UN)

    def required(self, org_id: str | None) -> int:
        if org_id is None:
            return 0
        own = self._own.get(org_id, 0)
        if self._map is None or self._file is None:
            return own
        at = self._slot(org_id)
        fcntl.flock(self._file, fcntl.LOCK_SH)
        try:
            shared = int.from_bytes(self._map[at : at + 8], "little")
        finally:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        return max(own, shared)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._file is not None:
            os.close(self._file)
            self._file = None


class Standby:
    """One hot standby: its pool of compiled reads, its Core/ORM engine, and what the monitor last saw."""

    def __init__(self, url: str, reader: PostgresReader, engine: AsyncEngine) -> None:
        self.url = url
        self.reader = reader
        self.engine = engine
        self.up = False  # until the monitor has seen it
        self.replayed = 0  # its replay position, as last seen
        self.lag_seconds = 0.0
        self._probe: asyncio.Task[tuple[Any, ...]] | None = None

    async def replay_position(self) -> int:
        """Its replay position now (one round trip; concurrent callers share it)."""
        if self._probe is None or self._probe.done():
            self._probe = asyncio.ensure_future(self.reader.first_row(_STANDBY_STATE))
        recovering, replayed = await asyncio.shield(self._probe)
        if not recovering:
            self.up = False
            return 0
        self.replayed = max(self.replayed, lsn(replayed))
        return self.replayed


class ReplicaSet:
    """The primary's read path and the standbys, chosen per read (see the module's docstring)."""

    def __init__(
        self,
        primary_reader: PostgresReader,
        primary_engine: AsyncEngine,
        standbys: Sequence[Standby],
        *,
        max_lag_seconds: float,
        wait_seconds: float,
        positions: WritePositions,
    ) -> None:
        self.primary_reader = primary_reader
        self.primary_engine = primary_engine
        self.standbys = list(standbys)
        self.max_lag_seconds = max_lag_seconds
        self.wait_seconds = wait_seconds
        self.positions = positions
        self._primary_samples: deque[tuple[int, float]] = deque(maxlen=64)  # (position, when), for the lag
        self._next = 0
        self._monitor: asyncio.Task[None] | None = None
        # How reads were served since start, for tests and the docs' figures.
        self.served = {"standby": 0, "primary": 0, "waited": 0}

    # -- the standbys' state -----------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.check()
        self._monitor = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(MONITOR_INTERVAL_SECONDS)
            with contextlib.suppress(Exception):
                await self.check()

    async def check(self) -> None:
        """The primary's position, then each standby's: up, in recovery, how far behind."""
        try:
            (primary_text,) = await self.primary_reader.first_row(_PRIMARY_POSITION)
            self._primary_samples.append((lsn(primary_text), time.monotonic()))
        except Exception:  # the primary away: the standbys' lag is unknown, keep the last samples
            pass
        for standby in self.standbys:
            try:
                replayed = await asyncio.wait_for(standby.replay_position(), timeout=STANDBY_POOL_WAIT_SECONDS * 2)
            except Exception:
                standby.up = False
                continue
            if replayed == 0:  # promoted (or never replayed anything): not a standby to read from
                continue
            standby.up = True
            standby.lag_seconds = self._lag(replayed)

    def _lag(self, replayed: int) -> float:
        """Seconds since the primary first stood at a position this standby has not replayed yet (0: none)."""
        behind = [when for position, when in self._primary_samples if position > replayed]
        return time.monotonic() - min(behind) if behind else 0.0

    def _fit(self) -> list[Standby]:
        fit = [s for s in self.standbys if s.up and s.lag_seconds <= self.max_lag_seconds]
        if len(fit) > 1:
            self._next = (self._next + 1) % len(fit)
            fit = fit[self._next :] + fit[: self._next]
        return fit

    # -- choosing ------------------------------------------------------------------------------------------------

    @staticmethod
    def _pinned() -> tuple[list[Any] | None, Standby | None, bool]:
        """(the request's holder, its standby, whether its reads already chose)."""
        holder = request_server.get()
        if holder is None or holder[0] is None:
            return holder, None, False
        if holder[0] is _PRIMARY:
            return holder, None, True
        standby: Standby = holder[0]
        if standby.up:
            return holder, standby, True
        holder[0] = _PRIMARY  # lost meanwhile: the rest of the request reads from the primary
        return holder, None, True

    @staticmethod
    def _pin(holder: list[Any] | None, standby: Standby | None) -> Standby | None:
        if holder is not None:
            holder[0] = _PRIMARY if standby is None else standby
        return standby

    def choose_now(self) -> Standby | None:
        """A standby that already shows the current organisation's writes, without waiting (Core/ORM reads)."""
        holder, pinned, chosen = self._pinned()
        if chosen:
            return pinned
        required = self.positions.required(client_org.get())
        for standby in self._fit():
            if standby.replayed >= required:
                return self._pin(holder, standby)
        return self._pin(holder, None)

    async def choose(self) -> Standby | None:
        """A standby that shows the current organisation's writes, waiting up to `wait_seconds` for one to replay
        them; None: the primary serves."""
        holder, pinned, chosen = self._pinned()
        if chosen:
            return pinned
        return self._pin(holder, await self._choose())

    async def _choose(self) -> Standby | None:
        required = self.positions.required(client_org.get())
        fit = self._fit()
        for standby in fit:
            if standby.replayed >= required:
                return standby
        if not fit or self.wait_seconds <= 0:
            return None
        standby = fit[0]
        deadline = time.monotonic() + self.wait_seconds
        pause = PROBE_STEP_SECONDS
        self.served["waited"] += 1
        while True:
            try:
                if await standby.replay_position() >= required:
                    return standby
            except Exception:
                standby.up = False
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            await asyncio.sleep(min(pause, left))
            pause *= 2

    async def note_write(self, org_id: str) -> None:
        """After a write of `org_id` was committed: the primary's position, for the organisation's next reads."""
        try:
            (position,) = await self.primary_reader.first_row(_PRIMARY_POSITION)
        except Exception:
            # Unknown position: this organisation's reads go to the primary for as long as a standby may lag.
            self.positions.note(org_id, 1 << 62)
            return
        self.positions.note(org_id, lsn(position))

    async def close(self) -> None:
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._monitor
        for standby in self.standbys:
            await standby.reader.close()
            await standby.engine.dispose()
        self.positions.close()


class ReplicaReader(CompiledReader):
    """The compiled reads (`db.compiled`) on a fit standby, else on the primary's pool."""

    def __init__(self, replicas: ReplicaSet) -> None:
        super().__init__(replicas.primary_reader._dialect)
        self.replicas = replicas

    async def rows(self, query: CompiledQuery, params: Mapping[str, Any]) -> list[Any]:
        replicas = self.replicas
        standby = await replicas.choose()
        if standby is not None:
            try:
                found = await standby.reader.rows(query, params)
                replicas.served["standby"] += 1
                return found
            except (DatabaseUnreachable, sa_exc.TimeoutError, sa_exc.DBAPIError) as error:
                if not isinstance(error, sa_exc.TimeoutError) and not is_connection_lost(error):
                    raise
                standby.up = False  # lost or saturated: the primary serves until the monitor sees it fit again
                replicas._pin(request_server.get(), None)
        replicas.served["primary"] += 1
        return await replicas.primary_reader.rows(query, params)

    async def close(self) -> None:
        await self.replicas.primary_reader.close()
        await self.replicas.close()


class ReplicaEngines:
    """Stands for the read engine of `kit.reads` (`connect()`) and makes its sessions: each connection or session
    is taken from a standby that already shows the organisation's writes, else from the primary."""

    def __init__(self, replicas: ReplicaSet) -> None:
        self.replicas = replicas
        self.dialect = replicas.primary_engine.dialect

    def engine(self) -> AsyncEngine:
        standby = self.replicas.choose_now()
        return standby.engine if standby is not None else self.replicas.primary_engine

    def connect(self) -> AsyncConnection:
        return self.engine().connect()

    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        choose = self.engine

        class ReplicaSession(Session):
            def get_bind(self, *args: Any, **kwargs: Any) -> Any:
                return choose().sync_engine

        return async_sessionmaker(
            self.replicas.primary_engine, sync_session_class=ReplicaSession, expire_on_commit=False, autoflush=False
        )


class ReadYourWritesMiddleware:
    """Sets `client_org` for the request (its authenticated organisation) and, when a write request of an
    organisation is answered (its unit of work committed before the answer starts), notes the primary's
    position for that organisation's next reads. Sits inside the authentication layer."""

    def __init__(self, app: ASGIApp, *, replicas: Any) -> None:
        self.app = app
        self.replicas = replicas  # a callable giving the ReplicaSet (made at startup) or None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        replicas: ReplicaSet | None = self.replicas()
        org_id = scope.get("state", {}).get("org_id") if scope["type"] == "http" else None
        if replicas is None or org_id is None:
            await self.app(scope, receive, send)
            return
        token = client_org.set(org_id)
        pinned = request_server.set([None])
        try:
            if scope["method"] in _READ_METHODS:
                await self.app(scope, receive, send)
                return

            async def noting_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    await replicas.note_write(org_id)
                await send(message)

            await self.app(scope, receive, noting_send)
        finally:
            request_server.reset(pinned)
            client_org.reset(token)


async def start_replicas(
    state: Any, settings: Settings, tracing: Tracing | None, pool_size: int, statement_timeout: float
) -> None:
    """Standbys for the read path: each with a pool for the compiled reads and an engine for Core/ORM reads
    (labelled `replica` in the metrics), watched by a monitor task; the primary's read pool stays as fallback."""
    standbys = []
    for url in settings.database_replica_urls:
        standby_engine = make_async_engine(
            url,
            pool_size=pool_size,
            echo=settings.db_echo,
            lock_timeout=settings.db_lock_timeout,
            statement_timeout=statement_timeout,
            pooler=settings.database_pooler,
        )
        observe_engine_pool(standby_engine, REPLICA)
        reader = PostgresReader(
            standby_engine,
            pool_size,
            settings.db_lock_timeout,
            statement_timeout,
            pooler=settings.database_pooler,
            pool_name=REPLICA,
            pool_wait=STANDBY_POOL_WAIT_SECONDS,
        )
        if tracing is not None:
            tracing.instrument_engine(standby_engine)
            reader.configure_connection = tracing.instrument_psycopg
            reader.tracer = tracing.tracer
        standbys.append(Standby(url, reader, read_engine(standby_engine)))
    replicas = ReplicaSet(
        state.reader,
        state.read_engine,
        standbys,
        max_lag_seconds=settings.replica_max_lag_ms / 1000,
        wait_seconds=settings.replica_wait_ms / 1000,
        positions=WritePositions(os.environ.get(SHARED_FILE_ENV)),
    )
    await replicas.start()
    state.replicas = replicas
    state.reader = ReplicaReader(replicas)
    if tracing is not None:
        state.reader.tracer = tracing.tracer
    engines = ReplicaEngines(replicas)
    state.read_engine = engines
    state.read_sessionmaker = engines.sessionmaker()
