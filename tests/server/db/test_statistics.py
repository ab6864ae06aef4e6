"""After a bulk write of many rows, the planner statistics of the tables written are refreshed (both databases)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import Engine, text

from openqualify.server.db.statistics import ROWS_BEFORE_ANALYZE
from tests.fixtures.api import Api
from tests.fixtures.factories import insert_offering, make_course


def _analyzed(sync_engine: Engine, table: str) -> Any:
    with sync_engine.connect() as connection:
        return connection.execute(
            text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = :t"), {"t": table}
        ).scalar_one()


def test_a_large_bulk_add_refreshes_statistics(api: Api, sync_engine: Engine, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's statistics (pg_stat_user_tables)")
    offering = insert_offering(sync_engine, api, make_course(api))
    before = {table: _analyzed(sync_engine, table) for table in ("users", "memberships")}
    count = ROWS_BEFORE_ANALYZE
    users = [{"email": f"stats{n}@example.com", "firstName": "S", "lastName": str(n)} for n in range(count)]
    assert api.post(f"/offerings/{offering}/users", json=users).status_code == 201
    deadline = time.monotonic() + 20
    while any(_analyzed(sync_engine, table) == before[table] for table in before):
        assert time.monotonic() < deadline, "the tables written were not analysed"
        time.sleep(0.2)


def test_sqlite_statistics_after_a_large_bulk_add(api: Api, sync_engine: Engine, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's statistics live in sqlite_stat1")
    offering = insert_offering(sync_engine, api, make_course(api))

    def analysed_rows(table: str) -> Any:
        with sync_engine.connect() as connection:
            found = connection.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()
            if found is None:
                return None
            statement = text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t LIMIT 1")
            return connection.execute(statement, {"t": table}).first()

    before = analysed_rows("memberships")
    count = ROWS_BEFORE_ANALYZE
    users = [{"email": f"lite{n}@example.com", "firstName": "S", "lastName": str(n)} for n in range(count)]
    assert api.post(f"/offerings/{offering}/users", json=users).status_code == 201
    deadline = time.monotonic() + 20
    while analysed_rows("memberships") == before:
        assert time.monotonic() < deadline, "the tables written were not analysed"
        time.sleep(0.2)
