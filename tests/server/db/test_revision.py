"""The revision workflow (`openqualify db revision`): a model change becomes the next numbered revision, written
on a copy of the migrations, which brings an empty database to the changed models on either backend."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Column, ForeignKey, MetaData, String, Table, Text
from typer.testing import CliRunner

import openqualify.server.db.migrate as migrate
from openqualify.cli.main import app
from openqualify.server.db.base import NAMING_CONVENTION, Base
from openqualify.server.db.revision import RevisionError, make_revision, schema_diff
from openqualify.server.db.types import UTCDateTime


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    """A copy of the package's migrations, so that nothing is written into the source tree."""
    target = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _versions(migrations: Path) -> list[str]:
    return sorted(path.name for path in (migrations / "versions").glob("*.py"))


HEAD = f"{len(_versions(migrate.MIGRATIONS_DIR)):04d}"  # the package's head: revisions are numbered 0001, 0002...
NEXT = f"{int(HEAD) + 1:04d}"


def _changed_models() -> MetaData:
    """Today's models plus a column and a table (with the date-time type migrations import)."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    for table in Base.metadata.sorted_tables:
        copy = table.to_metadata(metadata)
        conditions = {index.name: index._ddl_if for index in table.indexes}
        for index in copy.indexes:  # to_metadata leaves out `ddl_if` (the SQLite-only indexes)
            index._ddl_if = conditions[index.name]
    metadata.tables["course_versions"].append_column(Column("summary", Text, nullable=True))
    Table(
        "course_notes",
        metadata,
        Column("id", String(40), primary_key=True),
        Column("course_id", String(40), ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
        Column("written_at", UTCDateTime(), nullable=False),
    )
    return metadata


def test_a_model_change_becomes_the_next_revision(migrations: Path, empty_database_url: str) -> None:
    before = _versions(migrations)
    models = _changed_models()
    new = make_revision("Course notes", migrations_dir=migrations, metadata=models)

    assert (new.revision, new.down_revision, new.remaining) == (NEXT, HEAD, [])
    assert new.path == migrations / "versions" / f"{NEXT}_course_notes.py"
    assert _versions(migrations) == [*before, f"{NEXT}_course_notes.py"]  # earlier revisions untouched
    source = new.path.read_text()
    assert "openqualify.server.db.types.UTCDateTime()" in source and "import openqualify.server.db.types" in source

    migrate.upgrade(empty_database_url, migrations_dir=migrations)
    assert schema_diff(empty_database_url, models) == []
    assert schema_diff(empty_database_url) != []  # the package's models lack the change: the check can fail


def test_no_change_writes_nothing_and_empty_writes_a_blank_revision(migrations: Path) -> None:
    before = _versions(migrations)
    with pytest.raises(RevisionError, match="nothing to write"):
        make_revision("nothing", migrations_dir=migrations)
    with pytest.raises(RevisionError, match="needs a message"):
        make_revision("  ", migrations_dir=migrations, empty=True)
    assert _versions(migrations) == before

    new = make_revision("backfill info", migrations_dir=migrations, empty=True)
    assert new.path.name == f"{NEXT}_backfill_info.py"
    assert "def upgrade() -> None:\n    pass" in new.path.read_text()


def test_cli_db_revision(migrations: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", migrations)
    runner = CliRunner()
    refused = runner.invoke(app, ["db", "revision", "-m", "nothing"])
    assert refused.exit_code == 1 and "nothing to write" in refused.output
    written = runner.invoke(app, ["db", "revision", "-m", "data fix", "--empty"])
    assert written.exit_code == 0, written.output
    assert f"Wrote revision {NEXT} (after {HEAD})" in written.output
    assert (migrations / "versions" / f"{NEXT}_data_fix.py").exists()
