"""Run Alembic programmatically: the migrations ship inside the package, no alembic.ini needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, MetaData

from openqualify.server.db.engine import make_sync_engine
from openqualify.server.db.urls import sync_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
FILE_TEMPLATE = "%%(rev)s_%%(slug)s"
"""New revision files are named `<4-digit id>_<slug of the message>.py`, e.g. `0003_course_notes.py`."""


def alembic_config(url: str, migrations_dir: Path | None = None, metadata: MetaData | None = None) -> Config:
    """Alembic's configuration for `url`; `metadata` replaces the models' (autogenerate tests only)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir or MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    config.set_main_option("file_template", FILE_TEMPLATE)
    if metadata is not None:
        config.attributes["target_metadata"] = metadata
    return config


def upgrade(url: str, revision: str = "head", *, migrations_dir: Path | None = None) -> None:
    """Bring the database at `url` to `revision` (creating an SQLite file if needed)."""
    run_upgrade(alembic_config(url, migrations_dir), revision)


class DamagedDatabaseError(ValueError):
    """The SQLite file failed its integrity check: serving it would answer 500s (decision F4)."""


def refuse_damaged(connection: Connection) -> None:
    """SQLite's `PRAGMA quick_check` (every page and b-tree is well formed; linear in the file's size), before
    anything else uses the file: a damaged file stops `serve` and `db upgrade` with one clear line."""
    if connection.dialect.name != "sqlite":
        return
    problems = [row[0] for row in connection.exec_driver_sql("PRAGMA quick_check(5)")]
    if problems != ["ok"]:
        shown = "; ".join(str(p).replace("\n", " ") for p in problems[:2])
        raise DamagedDatabaseError(
            f"the SQLite file is damaged (PRAGMA quick_check: {shown}): restore it from a backup, or recover "
            "what it holds with `sqlite3 <file> .recover`"
        )


def run_upgrade(config: Config, revision: str = "head") -> None:
    """`alembic upgrade` on the database of `config` in one transaction, once the file is known to be sound."""
    engine = make_sync_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as connection:
            refuse_damaged(connection)
            config.attributes["connection"] = connection
            try:
                command.upgrade(config, revision)
            finally:
                del config.attributes["connection"]
    finally:
        engine.dispose()
