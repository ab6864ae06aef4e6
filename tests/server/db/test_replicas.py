"""The replicas' parts that need no standby (the topology tests, tests/topology, need one): WAL positions, the
organisations' write positions shared between workers, the settings, and the pgbouncer session arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from openqualify.server.config import Settings
from openqualify.server.db.engine import postgres_session
from openqualify.server.db.replicas import SHARED_SLOTS, WritePositions, lsn


def test_lsn_is_the_byte_position() -> None:
    assert lsn("0/0") == 0 and lsn(None) == 0
    assert lsn("16/B374D848") == (0x16 << 32) + 0xB374D848
    assert lsn("1/0") > lsn("0/FFFFFFFF")


def test_a_worker_sees_the_positions_another_worker_noted(tmp_path: Path) -> None:
    shared = str(tmp_path / "positions")
    one, two = WritePositions(shared), WritePositions(shared)
    try:
        one.note("org-a", 500)
        assert two.required("org-a") == 500  # noted by the other worker
        two.note("org-a", 300)  # an older position never lowers the slot
        assert one.required("org-a") == 500
        assert one.required(None) == 0
        assert (tmp_path / "positions").stat().st_size == SHARED_SLOTS * 8
    finally:
        one.close()
        two.close()


def test_without_a_shared_file_positions_are_the_workers_own_and_bounded() -> None:
    positions = WritePositions(capacity=3)
    for n in range(5):
        positions.note(f"org-{n}", 100 + n)
    assert positions.required("org-4") == 104
    assert positions.required("org-0") == 0  # forgotten first: its write is long replayed
    positions.note("org-4", 50)
    assert positions.required("org-4") == 104


def test_replica_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENQUALIFY_DATABASE_REPLICA_URLS", "postgresql://a/db, postgresql://b/db")
    monkeypatch.setenv("OPENQUALIFY_REPLICA_MAX_LAG_MS", "250")
    settings = Settings()
    assert settings.database_replica_urls == ["postgresql://a/db", "postgresql://b/db"]
    assert settings.replica_max_lag_ms == 250 and settings.replica_wait_ms == 20
    assert settings.database_pooler == "none"
    monkeypatch.setenv("OPENQUALIFY_DATABASE_REPLICA_URLS", "")
    assert Settings().database_replica_urls == []
    monkeypatch.setenv("OPENQUALIFY_DATABASE_POOLER", "pgpool")
    with pytest.raises(ValueError, match="pgbouncer"):
        Settings()


def test_behind_pgbouncer_sessions_prepare_nothing_and_send_no_options() -> None:
    direct = postgres_session("postgresql://u@h/db", 30, 5)
    assert direct["options"] == "-c lock_timeout=30000 -c statement_timeout=5000"
    assert "prepare_threshold" not in direct
    pooled = postgres_session("postgresql://u@h/db", 30, 5, "pgbouncer")
    assert "options" not in pooled and pooled["prepare_threshold"] is None
    assert pooled["application_name"] == "openqualify"
