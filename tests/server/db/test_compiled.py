"""The read path's own readers (`db.compiled`, `db.pg_reader`) answer exactly what Core answers.

Every organisation-scoped table of a demo organisation is read both ways, column for column and type for type
(aware UTC date-times, JSON documents, booleans, numerics), and the PostgreSQL reader's failure modes are those
of Core: a lost connection is replaced, an error leaves as SQLAlchemy's exception, a full pool is a timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import psycopg
import pytest
from sqlalchemy import Engine, Executable, Integer, String, bindparam, cast, func, literal_column, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from openqualify.server.app import create_app
from openqualify.server.config import Settings
from openqualify.server.db.base import Base
from openqualify.server.db.compiled import CompiledReader, SQLiteReader
from openqualify.server.db.engine import make_async_engine, make_sync_engine
from openqualify.server.db.migrate import upgrade
from openqualify.server.db.models import Offering
from openqualify.server.db.pg_reader import PostgresReader
from openqualify.server.kit.tenancy import TENANT_PARAM, admin_session
from openqualify.server.org.admin import create_org
from tests.fixtures.api import Api
from tests.fixtures.demo import build

T = TypeVar("T")
SCOPED_TABLES = sorted(
    (table for table in Base.metadata.sorted_tables if "org_id" in table.c), key=lambda table: table.name
)


def _reader(engine: AsyncEngine, database_url: str, *, pool_size: int = 2, timeout: float = 5.0) -> CompiledReader:
    if database_url.startswith("postgresql"):
        return PostgresReader(engine, pool_size, timeout)
    return SQLiteReader(database_url, engine.dialect, timeout)


def _run(database_url: str, scenario: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    async def main() -> T:
        engine = make_async_engine(database_url, pool_size=2)
        try:
            return await scenario(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())


async def _both(engine: AsyncEngine, reader: CompiledReader, statement: Executable, **params: Any) -> tuple[Any, Any]:
    query = reader.compiled(statement)
    assert query is not None, "the statement compiles for the reader"
    async with engine.connect() as connection:
        core = (await connection.execute(statement, params)).all()
    return core, await reader.rows(query, params)


def test_every_scoped_table_reads_as_core_reads_it(sync_engine: Engine, api: Api, database_url: str) -> None:
    build(sync_engine, api)

    async def scenario(engine: AsyncEngine) -> set[type]:
        reader = _reader(engine, database_url)
        seen: set[type] = set()
        try:
            for table in SCOPED_TABLES:
                statement = (
                    select(*table.c).where(table.c.org_id == bindparam(TENANT_PARAM)).order_by(*table.primary_key)
                )
                core, ours = await _both(engine, reader, statement, **{TENANT_PARAM: api.org_id})
                assert [row._fields for row in ours[:1]] == [row._fields for row in core[:1]], table.name
                assert [tuple(row) for row in ours] == [tuple(row) for row in core], table.name
                for mine, theirs in zip(ours, core, strict=True):
                    assert [type(value) for value in mine] == [type(value) for value in theirs], table.name
                    seen.update(type(value) for value in mine)
            return seen
        finally:
            await reader.close()

    seen = _run(database_url, scenario)
    # The demo reaches every kind of conversion the readers do.
    assert {datetime, bool, dict, list, str, int} <= seen


def test_parameters_go_through_the_columns_bind_processing(sync_engine: Engine, api: Api, database_url: str) -> None:
    """An aware date-time parameter is stored naive UTC: both paths bind it alike, and a numeric reads as float."""
    build(sync_engine, api)
    with sync_engine.begin() as connection:
        connection.execute(
            Offering.__table__.update().where(Offering.org_id == api.org_id).values(price=12.5)
        )
    statement = (
        select(Offering.id, Offering.start, Offering.price)
        .where(Offering.org_id == bindparam(TENANT_PARAM), Offering.start < bindparam("now", type_=Offering.start.type))
        .order_by(Offering.id)
    )

    async def scenario(engine: AsyncEngine) -> list[Any]:
        reader = _reader(engine, database_url)
        try:
            now = datetime(2100, 1, 1, tzinfo=UTC)
            core, ours = await _both(engine, reader, statement, **{TENANT_PARAM: api.org_id, "now": now})
            assert ours and [tuple(row) for row in ours] == [tuple(row) for row in core]
            return list(ours)
        finally:
            await reader.close()

    rows = _run(database_url, scenario)
    assert all(row.start.tzinfo is UTC and row.price == 12.5 and isinstance(row.price, float) for row in rows)


def _postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the reader under test is PostgreSQL's")


def test_a_lost_connection_is_replaced_and_the_read_answers(database_url: str) -> None:
    _postgres(database_url)
    pid_statement = select(func.pg_backend_pid().label("pid"))

    async def scenario(engine: AsyncEngine) -> tuple[int, int]:
        reader = _reader(engine, database_url, pool_size=1)
        query = reader.compiled(pid_statement)
        assert query is not None
        try:
            before = (await reader.rows(query, {}))[0].pid
            async with engine.connect() as killer:
                await killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
            await asyncio.sleep(0.2)
            after = (await reader.rows(query, {}))[0].pid  # the broken connection is dropped, the read retried
            return before, after
        finally:
            await reader.close()

    before, after = _run(database_url, scenario)
    assert before != after


def test_errors_leave_as_sqlalchemy_exceptions(database_url: str) -> None:
    _postgres(database_url)

    async def scenario(engine: AsyncEngine) -> None:
        reader = _reader(engine, database_url, pool_size=1, timeout=0.3)
        try:
            bad_cast = reader.compiled(select(cast(bindparam("value", type_=String), Integer).label("n")))
            assert bad_cast is not None
            with pytest.raises(sa_exc.DataError):
                await reader.rows(bad_cast, {"value": "not a number"})
            # The failed statement left the connection usable.
            one = reader.compiled(select(literal_column("1").label("n")))
            assert one is not None
            assert (await reader.rows(one, {}))[0].n == 1
            # Every connection busy past the timeout: SQLAlchemy's pool timeout (answered 503 by the API).
            sleep = reader.compiled(select(func.pg_sleep(1.5).label("slept")))
            assert sleep is not None
            holder = asyncio.create_task(reader.rows(sleep, {}))
            await asyncio.sleep(0.2)
            started = time.monotonic()
            with pytest.raises(sa_exc.TimeoutError):
                await reader.rows(one, {})
            assert time.monotonic() - started < 0.6, "one wait of the timeout, not a retry after it"
            await holder
        finally:
            await reader.close()

    _run(database_url, scenario)


def test_a_read_waiting_on_a_pool_that_is_renewed_runs_on_the_new_one(database_url: str) -> None:
    """After a restart one read renews the pool (`_renew`) while others wait on the old one for a connection: they
    meet `PoolClosed` and run again on the new pool, never a 500 (seen under load in a restart test)."""
    _postgres(database_url)

    async def scenario(engine: AsyncEngine) -> tuple[int, int]:
        reader = _reader(engine, database_url, pool_size=1, timeout=5.0)
        assert isinstance(reader, PostgresReader)
        sleep = reader.compiled(select(func.pg_sleep(1.0).label("slept")))
        one = reader.compiled(select(literal_column("1").label("n")))
        assert sleep is not None and one is not None
        try:
            holder = asyncio.create_task(reader.rows(sleep, {}))  # holds the old pool's only connection
            await asyncio.sleep(0.3)
            waiter = asyncio.create_task(reader.rows(one, {}))  # waits on the old pool for it
            await asyncio.sleep(0.2)
            generation = reader._generation
            reader._unsure = True  # as after a lost connection
            assert await reader._renew(generation)  # the old pool is closed under the waiter
            found = await asyncio.wait_for(waiter, timeout=10)
            await asyncio.wait_for(holder, timeout=10)
            return int(found[0].n), reader._generation - generation
        finally:
            await reader.close()

    assert _run(database_url, scenario) == (1, 1)


def test_a_closed_reader_opens_again_on_use(database_url: str) -> None:
    """As the engine's pool does after `dispose`: a second lifespan of the same app reads on."""

    async def scenario(engine: AsyncEngine) -> int:
        reader = _reader(engine, database_url)
        one = reader.compiled(select(literal_column("1").label("n")))
        assert one is not None
        await reader.rows(one, {})
        await reader.close()
        try:
            return int((await reader.rows(one, {}))[0].n)
        finally:
            await reader.close()

    assert _run(database_url, scenario) == 1


def test_a_worker_stays_within_its_pool_size_under_concurrent_clients(empty_database_url: str) -> None:
    """`OPENQUALIFY_DB_POOL_SIZE` bounds what one worker opens in all: its units of work and its reads share it
    (decision 15f). 40 clients at once, reads and writes mixed, on a worker allowed 4 connections."""
    _postgres(empty_database_url)
    upgrade(empty_database_url)
    sync_engine = make_sync_engine(empty_database_url)
    try:
        with admin_session(sync_engine) as session:
            _, token = create_org(session, "Pool test")
            session.commit()
    finally:
        sync_engine.dispose()
    app = create_app(Settings(database_url=empty_database_url, db_pool_size=4, mode="production"))
    database = make_url(empty_database_url).database

    async def scenario() -> tuple[int, list[int]]:
        seen = 0
        done = asyncio.Event()

        async def sample() -> None:
            nonlocal seen
            conninfo = make_url(empty_database_url).set(drivername="postgresql", database="postgres")
            async with await psycopg.AsyncConnection.connect(
                conninfo.render_as_string(hide_password=False), autocommit=True
            ) as observer:
                while not done.is_set():
                    cursor = await observer.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,)
                    )
                    seen = max(seen, (await cursor.fetchone() or (0,))[0])
                    await asyncio.sleep(0.005)

        headers = {"Authorization": f"Bearer {token}"}
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test/v1", headers=headers) as client:
                first = {"email": "first@example.com", "firstName": "First", "lastName": "User"}
                assert (await client.post("/users", json=first)).status_code == 201
                sampler = asyncio.create_task(sample())

                async def one(index: int) -> int:
                    if index % 4 == 0:
                        body = {"email": f"user{index}@example.com", "firstName": "Pool", "lastName": str(index)}
                        return (await client.post("/users", json=body)).status_code
                    # the read path's reader, or an organisation-bound session on the engine
                    return (await client.get("/users/first@example.com" if index % 2 else "/offerings")).status_code

                statuses = await asyncio.gather(*(one(index) for index in range(40)))
                done.set()
                await sampler
        return seen, list(statuses)

    seen, statuses = asyncio.run(scenario())
    assert set(statuses) <= {200, 201}, statuses
    assert 1 <= seen <= 4
