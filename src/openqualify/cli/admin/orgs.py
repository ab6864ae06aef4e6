"""`openqualify org ...` and `openqualify db upgrade`: organisations, tokens and the schema, on the database named
by `--db` (else `OPENQUALIFY_DATABASE_URL`, else ./openqualify.db). Each says which database it uses; only
`org create` and `db upgrade` create one."""

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

org_app = typer.Typer(help="Organisations and their API tokens.", no_args_is_help=True, rich_markup_mode=None)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True, rich_markup_mode=None)

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


@org_app.command("create")
def org_create(
    name: str,
    token: Annotated[str | None, typer.Option(help="Use this token instead of a random one.")] = None,
    db: DbOption = None,
) -> None:
    """Create an organisation (and the database if there is none); its token is printed as the last line."""
    require_server()
    from openqualify.server.org import admin

    url = database_url(db)
    path = sqlite_file(url)
    created = path is not None and not path.exists()
    note(f"Database: {masked(url)}" + (" (created)" if created else ""))
    upgrade_or_fail(url)
    with admin_session(url) as session:
        org, new_token = admin.create_org(session, name, token)
        session.commit()
        note(f"Created organisation {org.name} ({org.id})")
        print(new_token)


@org_app.command("list")
def org_list(db: DbOption = None) -> None:
    """List organisations with their number of active tokens (tab-separated when not on a terminal)."""
    from rich.console import Console

    from openqualify.cli._pipes import quiet_on_closed_pipe
    from openqualify.cli._tables import render_table
    from openqualify.server.org import admin

    url = existing_database(db)
    with admin_session(url) as session:
        rows = [
            [org.id, org.name, org.created_at.isoformat(), str(org.active_tokens)] for org in admin.list_orgs(session)
        ]
    with quiet_on_closed_pipe():
        render_table(Console(), ["id", "name", "created", "active tokens"], rows)


@org_app.command("rotate-token")
def org_rotate_token(
    name: str,
    token: Annotated[str | None, typer.Option(help="Use this token instead of a random one.")] = None,
    db: DbOption = None,
) -> None:
    """Revoke the organisation's tokens and print a new one as the last line."""
    from openqualify.cli.admin import demo_token
    from openqualify.server.org import admin

    url = existing_database(db)
    with admin_session(url) as session:
        new_token = admin.rotate_token(session, name, token)
        session.commit()
    demo_token.rotated(url, name, new_token)
    note(f"Revoked the old tokens of {name}")
    print(new_token)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Migrate the database to the latest schema (creating an SQLite file if there is none)."""
    require_server()
    url = database_url(db)
    upgrade_or_fail(url)
    print(f"Database at head: {masked(url)}")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("--message", "-m", help="What the revision changes.")],
    empty: Annotated[bool, typer.Option("--empty", help="Write an empty revision to fill in by hand.")] = False,
) -> None:
    """Write the next migration from the models' changes (development: writes into the source tree)."""
    require_server()
    from openqualify.server.db.revision import RevisionError, make_revision

    try:
        new = make_revision(message, empty=empty)
    except RevisionError as exc:
        fail(str(exc))
    print(f"Wrote revision {new.revision} (after {new.down_revision}): {new.path}")
    if new.remaining:
        print(f"Still differs from the models, edit the revision: {new.remaining}")
