"""Migrations are a history: released revisions never change, the head builds exactly the models' schema, and
upgrading a database created by the first release keeps its data (and the API serves it)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import Connection, MetaData, select, text

import openqualify.server.db.models  # noqa: F401  (registers every table)
from openqualify.server.app import create_app
from openqualify.server.config import Settings
from openqualify.server.db.base import Base
from openqualify.server.db.conditional import include_object_for
from openqualify.server.db.engine import make_sync_engine
from openqualify.server.db.migrate import MIGRATIONS_DIR, alembic_config, upgrade
from openqualify.server.kit.auth import hash_token

RELEASED = {
    "0001_initial.py": "aab84b4c3868b5f34ed7514f2d7c257693e92d832d21ef8578be226ceebe7ee0",
    "0002_rate_limit_windows.py": "65e98dfb6b5ca8d147e64e4a70088b79511704e20fa9baac382cb87a94d13a19",
    "0003_sqlite_listing_indexes.py": "fcb30adb98124e7163e9bbcf2ffbdbc0f3bf4f1047a9ba7ddcb8aab43ecd8f0d",
    "0004_org_data_versions.py": "4577faebe5680e21267863e57c23fe834801b8dd1c6d3a50e9adc6bd4e6e696a",
    "0005_foreign_key_indexes.py": "339643a913bcfbf64ca7ba1483c6c419b732261b5c96dfd588041a39a978317d",
    "0006_event_hub.py": "f20bbddd65bdc4a2891824a4c5599ae325b908e8a25d0e0f5ef378198f8caff7",
    "0007_sandbox_faults.py": "8501dea9550c1f2dcc0ac6d5c3eb4b84b6e6d6be6356bddf442c1aaf4bb8d781",
}
"""SHA-256 of every revision. A revision is released once it lands on main (databases may be at it from then
on): never edit one, add a revision with `openqualify db revision -m ...` and pin its file here."""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def test_released_revisions_are_unchanged_and_every_revision_is_pinned() -> None:
    files = {path.name: _digest(path) for path in (MIGRATIONS_DIR / "versions").glob("*.py")}
    for name, digest in RELEASED.items():
        assert files.get(name) == digest, f"{name} is released history: revert it and add a new revision"
    unpinned = {name: digest for name, digest in files.items() if name not in RELEASED}
    assert not unpinned, f"pin new revisions in RELEASED: {unpinned}"


def test_history_is_one_line_of_numbered_revisions() -> None:
    script = _script()
    assert len(script.get_heads()) == 1
    chain = [rev.revision for rev in reversed(list(script.walk_revisions()))]  # base first
    assert chain == [f"{n:04d}" for n in range(1, len(chain) + 1)]
    files = {path.name for path in (MIGRATIONS_DIR / "versions").glob("*.py")}
    assert sorted(name[:4] for name in files) == chain, files  # every file is a revision of the line


def test_head_builds_the_models_schema(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    engine = make_sync_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            options = {
                "compare_type": True,
                "compare_server_default": True,
                "include_object": include_object_for(connection.dialect.name),  # SQLite-only indexes
            }
            context = MigrationContext.configure(connection, opts=options)
            assert compare_metadata(context, Base.metadata) == []
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    assert version == _script().get_current_head()


# Rows written the way the first release wrote them: through the tables of revision 0001 (reflected from
# the database, never from today's models, so the test keeps working when the models move on).
TOKEN = "release-0001-token-0123456789"
T0 = datetime(2024, 1, 5, 9, 30)  # naive UTC, as stored
ROWS: dict[str, list[dict[str, Any]]] = {
    "organisations": [
        {"id": "org1", "name": "Release One Ltd", "created_at": T0, "api_enabled": True,
         "clock_frozen_at": datetime(2024, 3, 1, 12, 0), "clock_offset_seconds": 0.0},
    ],
    "api_tokens": [
        {"id": "tok1", "token_hash": hash_token(TOKEN), "label": "first", "created_at": T0, "revoked_at": None,
         "org_id": "org1"},
    ],
    "courses": [
        {"id": "course1", "name": "Kitchen Safety", "tasks_enabled": True, "tags": ["food", "safety"],
         "learning_outcomes": ["Clean hands"], "latest_content_id": "content1", "created_at": T0,
         "category": "Health", "org_id": "org1"},
    ],
    "course_versions": [
        {"id": "content1", "course_id": "course1", "version": 1, "name": "Kitchen Safety", "published_at": T0,
         "org_id": "org1"},
    ],
    "users": [
        {"id": "user1", "email": "Ann.Lee@example.com", "email_key": "ann.lee@example.com", "first_name": "Ann",
         "last_name": "Lee", "tags": ["staff"], "suspended": False, "is_builder": False, "is_manager": False,
         "invite_sent_count": 1, "created_at": T0, "org_id": "org1"},
        {"id": "user2", "email": "bo@example.com", "email_key": "bo@example.com", "first_name": "Bo",
         "last_name": "Chen", "tags": [], "suspended": False, "is_builder": True, "is_manager": False,
         "invite_sent_count": 0, "created_at": T0, "org_id": "org1"},
    ],
    "offerings": [
        {"id": "-MEF8kFyURUr6_CZ4IXD", "content_id": "content1", "course_id": "course1", "name": "Kitchen Safety",
         "identifier": "KS-1", "info": "KS-1 Kitchen Safety", "start": datetime(2024, 2, 1, 9, 0),
         "end": datetime(2024, 6, 1, 17, 0), "has_early_close_off": False, "use_relative_dates": False,
         "is_readonly": False, "tags": ["spring"], "created_at": T0, "org_id": "org1"},
    ],
    "memberships": [
        {"id": "m1", "offering_id": "-MEF8kFyURUr6_CZ4IXD", "user_id": "user1", "is_facilitator": False,
         "is_marker": False, "is_readonly": False, "created_at": T0, "org_id": "org1"},
        {"id": "m2", "offering_id": "-MEF8kFyURUr6_CZ4IXD", "user_id": "user2", "is_facilitator": True,
         "is_marker": False, "is_readonly": False, "created_at": T0, "org_id": "org1"},
    ],
    "course_mappings": [
        {"offering_id": "-MEF8kFyURUr6_CZ4IXD", "external_course_id": "EXT-101", "created_at": T0, "org_id": "org1"},
    ],
    "learner_progress": [
        {"offering_id": "-MEF8kFyURUr6_CZ4IXD", "user_id": "user1", "completion": 40, "updated_at": T0,
         "org_id": "org1"},
    ],
}  # fmt: skip


def _ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: [str(value) for key, value in row.items() if key.endswith("id")])


def _stored(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    """The rows of ROWS's tables as they are now, limited to the columns ROWS wrote."""
    tables = MetaData()
    tables.reflect(connection, only=list(ROWS))
    stored = {}
    for name, rows in ROWS.items():
        table = tables.tables[name]
        found = connection.execute(select(*(table.c[key] for key in rows[0])))
        stored[name] = _ordered([dict(row._mapping) for row in found])
    return stored


def test_upgrading_a_release_0001_database_keeps_its_data(empty_database_url: str) -> None:
    upgrade(empty_database_url, "0001")
    engine = make_sync_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            tables = MetaData()
            tables.reflect(connection)
            assert "rate_limit_windows" not in tables.tables  # really the schema of revision 0001
            for name, rows in ROWS.items():
                connection.execute(tables.tables[name].insert(), rows)
        upgrade(empty_database_url)
        with engine.connect() as connection:
            assert _stored(connection) == {name: _ordered(rows) for name, rows in ROWS.items()}
    finally:
        engine.dispose()

    # The API of this code serves the old data and writes beside it.
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(Settings(database_url=empty_database_url))) as client:
        assert client.get("/v1/org", headers=headers).json()["name"] == "Release One Ltd"
        current = client.get("/v1/offerings/current", headers=headers).json()
        assert [(o["id"], o["name"]) for o in current] == [("-MEF8kFyURUr6_CZ4IXD", "Kitchen Safety")]
        members = client.get("/v1/offerings/-MEF8kFyURUr6_CZ4IXD/users", headers=headers).json()
        assert {(m["email"], m["isFacilitator"]) for m in members} == {
            ("Ann.Lee@example.com", False),
            ("bo@example.com", True),
        }
        user = client.get("/v1/users/ann.lee@example.com", headers=headers).json()
        assert (user["firstName"], user["metadata"]["tags"]) == ("Ann", ["staff"])
        mapped = client.get("/v1/course-mappings/-MEF8kFyURUr6_CZ4IXD", headers=headers).json()
        assert mapped == ["EXT-101"]
        progress = client.get("/v1/offerings/-MEF8kFyURUr6_CZ4IXD/analytics/learners-progress", headers=headers)
        assert [(row["email"], row["completion"]) for row in progress.json()] == [("Ann.Lee@example.com", "40")]
        created = client.post("/v1/users", headers=headers, json={"email": "new@example.com", "sendInvite": False})
        assert created.status_code == 201, created.text
