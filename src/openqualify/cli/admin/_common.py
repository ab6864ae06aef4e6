"""What the admin commands share: one-line failures, the server check, database URLs shown without password."""

from __future__ import annotations

import sys
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

import typer

from openqualify.defaults import DEFAULT_DATABASE_URL

EXIT_FAILURE = 1
SERVER_EXTRA = "pip install 'openqualify[server]'"


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """One line on stderr, then exit."""
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def note(message: str) -> None:
    print(message, file=sys.stderr)


def require_server() -> None:
    try:
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        fail(f"this command needs the server, which is not installed ({exc.name} is missing): {SERVER_EXTRA}")


def database_url(db: str | None) -> str:
    return db or DEFAULT_DATABASE_URL


def masked(url: str) -> str:
    """`postgresql://user:***@host/db`: the URL as a log or banner may show it."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def first_line(exc: BaseException) -> str:
    """The useful line of a database driver's error (SQLAlchemy's wrapper adds a traceback-like tail)."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def settings_or_fail() -> object:
    """The server's settings from the environment, or one line per bad variable."""
    from pydantic import ValidationError

    from openqualify.server.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"OPENQUALIFY_{str(error['loc'][0]).upper()}={error.get('input')!r}: {error['msg']}"
            for error in exc.errors()
        )
        fail(problems)


def upgrade_or_fail(url: str) -> None:
    """Migrate the database, or say in one line why it cannot be opened."""
    from sqlalchemy.exc import ArgumentError, DBAPIError

    from openqualify.server.db.migrate import upgrade

    try:
        upgrade(url)
    except (DBAPIError, ArgumentError, ValueError) as exc:
        fail(f"cannot use the database {masked(url)}: {first_line(exc)}")
