"""`openqualify org ...`: organisations and their API tokens, on the database named by `--db` (else
`OPENQUALIFY_DATABASE_URL`, else ./openqualify.db). Each says which database it uses; only `org create` creates
one."""

from __future__ import annotations

from typing import Annotated

import typer

from openqualify.cli.admin._common import database_url, masked, note, require_server, upgrade_or_fail
from openqualify.cli.admin._database import DbOption, admin_session, existing_database, sqlite_file

org_app = typer.Typer(help="Organisations and their API tokens.", no_args_is_help=True, rich_markup_mode=None)


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
    from openqualify.cli.admin import _demo_token as demo_token
    from openqualify.server.org import admin

    url = existing_database(db)
    with admin_session(url) as session:
        new_token = admin.rotate_token(session, name, token)
        session.commit()
    demo_token.rotated(url, name, new_token)
    note(f"Revoked the old tokens of {name}")
    print(new_token)


def register(root: typer.Typer) -> None:
    root.add_typer(org_app, name="org")
