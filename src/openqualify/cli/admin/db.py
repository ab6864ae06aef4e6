"""`openqualify db ...`: the database schema (`upgrade` brings a database to the head, creating an SQLite file
if there is none; `revision` writes the next migration in development)."""

from __future__ import annotations

from typing import Annotated

import typer

from openqualify.cli.admin._common import database_url, fail, masked, require_server, upgrade_or_fail
from openqualify.cli.admin._database import DbOption

db_app = typer.Typer(help="Database schema.", no_args_is_help=True, rich_markup_mode=None)


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


def register(root: typer.Typer) -> None:
    root.add_typer(db_app, name="db")
