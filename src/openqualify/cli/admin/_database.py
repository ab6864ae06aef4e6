"""What the `org` and `db` commands share: the `--db` option and opening an existing database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from openqualify.cli.admin._common import database_url, fail, first_line, masked, note, require_server, upgrade_or_fail
from openqualify.defaults import DEFAULT_DATABASE_URL

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="OPENQUALIFY_DATABASE_URL",
        show_envvar=True,
        show_default=DEFAULT_DATABASE_URL,
        help="Database URL: sqlite:///path or postgresql://user:pass@host:port/db.",
    ),
]


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and in-memory SQLite)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _has_schema(url: str) -> bool:
    from sqlalchemy import inspect
    from sqlalchemy.exc import DBAPIError

    from openqualify.server.db.engine import make_sync_engine

    engine = make_sync_engine(url)
    try:
        with engine.connect() as connection:
            return inspect(connection).has_table("alembic_version")
    except DBAPIError as exc:
        fail(f"cannot use the database {masked(url)}: {first_line(exc)}")
    finally:
        engine.dispose()


def existing_database(db: str | None) -> str:
    """The URL of an existing OpenQualify database (migrated to this version), or a one-line failure."""
    require_server()
    url = database_url(db)
    path = sqlite_file(url)
    hint = "pass --db or set OPENQUALIFY_DATABASE_URL; `openqualify serve` or `openqualify db upgrade` creates one"
    if path is not None and not path.is_file():
        fail(f"no database at {path} ({hint})")
    if not _has_schema(url):
        fail(f"{masked(url)} is not an OpenQualify database ({hint})")
    upgrade_or_fail(url)
    note(f"Database: {masked(url)}")
    return url


@contextmanager
def admin_session(url: str) -> Iterator[Session]:
    """A session on the database, spanning organisations (`unscoped`); operator mistakes end the command with
    one line and exit code 1."""
    from openqualify.server.db.engine import make_sync_engine
    from openqualify.server.kit.tenancy import admin_session as unscoped_session
    from openqualify.server.org import admin

    engine = make_sync_engine(url)
    try:
        with unscoped_session(engine) as session:
            yield session
    except admin.OrgAdminError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
