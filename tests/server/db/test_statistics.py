"""After a bulk write of many rows, PostgreSQL's planner statistics of the tables written are refreshed."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import Engine, text

from openqualify.server.db.statistics import ROWS_BEFORE_ANALYZE
from tests.conftest import Api
from tests.factories import insert_offering, make_course


def _analyzed(sync_engine: Engine, table: str) -> Any:
    with sync_engine.connect() as connection:
        return connection.execute(
            text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = :t"), {"t": table}
        ).scalar_one()


def test_a_large_bulk_add_refreshes_statistics(api: Api, sync_engine: Engine, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite plans without table statistics of this kind")
    offering = insert_offering(sync_engine, api, make_course(api))
    before = {table: _analyzed(sync_engine, table) for table in ("users", "memberships")}
    count = ROWS_BEFORE_ANALYZE
    users = [{"email": f"stats{n}@example.com", "firstName": "S", "lastName": str(n)} for n in range(count)]
    assert api.post(f"/offerings/{offering}/users", json=users).status_code == 201
    deadline = time.monotonic() + 20
    while any(_analyzed(sync_engine, table) == before[table] for table in before):
        assert time.monotonic() < deadline, "the tables written were not analysed"
        time.sleep(0.2)
