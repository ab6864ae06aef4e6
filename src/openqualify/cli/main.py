"""The `openqualify` command: run the server and administer organisations (API commands live in `api/`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from openqualify.server.config import DEFAULT_DATABASE_URL, Settings
from openqualify.server.db.engine import make_sync_engine
from openqualify.server.db.migrate import upgrade
from openqualify.server.kit.clock import system_now
from openqualify.server.org import admin

app = typer.Typer(help="OpenQualify: the iQualify Management API v1, self-hosted.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations and their API tokens.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(db_app, name="db")

console = Console()

DbOption = Annotated[
    str | None,
    typer.Option("--db", help=f"Database URL [env OPENQUALIFY_DATABASE_URL, else {DEFAULT_DATABASE_URL}]"),
]


def _database_url(db: str | None) -> str:
    return db or Settings().database_url


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


def ensure_demo_org(url: str, token: str | None) -> tuple[str, str | None]:
    """Create the demo organisation with its data if absent. Returns (org name, token if new or given)."""
    from openqualify.server.sandbox.demo import DEMO_ORG_NAME, build_demo

    engine = make_sync_engine(url)
    try:
        with Session(engine) as session:
            existing = admin.find_org(session, DEMO_ORG_NAME)
            if existing is not None:
                if token:
                    admin.ensure_token(session, DEMO_ORG_NAME, token)
                    session.commit()
                return DEMO_ORG_NAME, token
            org, new_token = admin.create_org(session, DEMO_ORG_NAME, token)
            build_demo(session, org.id, system_now())
            session.commit()
            return DEMO_ORG_NAME, new_token
    finally:
        engine.dispose()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: DbOption = None,
    demo: Annotated[bool, typer.Option("--demo", help="Create the demo organisation if absent.")] = False,
    token: Annotated[str | None, typer.Option(help="With --demo: the demo organisation's token.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (use PostgreSQL for more than one).")] = 1,
) -> None:
    """Migrate the database to the latest schema, optionally add the demo organisation, and serve."""
    import os

    import uvicorn

    url = _database_url(db)
    upgrade(url)
    base = f"http://{host}:{port}/v1"
    if demo:
        name, demo_token = ensure_demo_org(url, token)
        console.print(f"Demo organisation: {name}")
        if demo_token:
            console.print(f"Token: {demo_token}")
        else:
            console.print("Token: (unchanged; `openqualify org rotate-token 'Demo Academy'` issues a new one)")
    console.print(f"Serving {base}  (docs: http://{host}:{port}/docs)")
    console.print(f"Console: http://{host}:{port}/console  (sign in with an organisation's token)")
    os.environ["OPENQUALIFY_DATABASE_URL"] = url
    os.environ["OPENQUALIFY_WORKERS"] = str(workers)  # shared state (rate-limit counters) must be shared
    uvicorn.run(
        "openqualify.server.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


@contextmanager
def _admin_session(db: str | None) -> Iterator[Session]:
    """A session on the migrated database; operator mistakes end the command with exit code 1."""
    url = _database_url(db)
    upgrade(url)
    engine = make_sync_engine(url)
    try:
        with Session(engine) as session:
            yield session
    except admin.OrgAdminError as exc:
        raise _fail(str(exc)) from None
    finally:
        engine.dispose()


@org_app.command("create")
def org_create(
    name: str,
    token: Annotated[str | None, typer.Option(help="Use this token instead of a random one.")] = None,
    db: DbOption = None,
) -> None:
    """Create an organisation; its token is printed as the last line (shown once)."""
    with _admin_session(db) as session:
        org, new_token = admin.create_org(session, name, token)
        session.commit()
        console.print(f"Created organisation {org.name} ({org.id})")
        print(new_token)


@org_app.command("list")
def org_list(db: DbOption = None) -> None:
    """List organisations with their number of active tokens."""
    with _admin_session(db) as session:
        table = Table("id", "name", "created", "active tokens")
        for org in admin.list_orgs(session):
            table.add_row(org.id, org.name, org.created_at.isoformat(), str(org.active_tokens))
        console.print(table)


@org_app.command("rotate-token")
def org_rotate_token(
    name: str,
    token: Annotated[str | None, typer.Option(help="Use this token instead of a random one.")] = None,
    db: DbOption = None,
) -> None:
    """Revoke the organisation's tokens and print a new one as the last line."""
    with _admin_session(db) as session:
        new_token = admin.rotate_token(session, name, token)
        session.commit()
        console.print(f"Revoked the old tokens of {name}")
        print(new_token)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Migrate the database to the latest schema."""
    url = _database_url(db)
    upgrade(url)
    console.print(f"Database at head: {url}")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("--message", "-m", help="What the revision changes.")],
    empty: Annotated[bool, typer.Option("--empty", help="Write an empty revision to fill in by hand.")] = False,
) -> None:
    """Write the next migration from the models' changes (development: writes into the source tree)."""
    from openqualify.server.db.revision import RevisionError, make_revision

    try:
        new = make_revision(message, empty=empty)
    except RevisionError as exc:
        raise _fail(str(exc)) from None
    console.print(f"Wrote revision {new.revision} (after {new.down_revision}): {new.path}")
    if new.remaining:
        console.print(f"[yellow]Still differs from the models, edit the revision:[/yellow] {new.remaining}")


def _register_api_commands() -> None:
    try:
        from openqualify.cli.api import register
    except ImportError:  # the API commands are optional while being built
        return
    register(app)


_register_api_commands()


if __name__ == "__main__":
    app()
