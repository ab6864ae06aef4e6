"""Database URLs: users write sync-style URLs; the server runs on their async twins."""

from __future__ import annotations

from sqlalchemy.engine import make_url


def async_url(url: str) -> str:
    """`sqlite:///x.db` -> `sqlite+inline:///x.db` (see `sqlite_inline`); `postgresql://` -> `postgresql+psycopg://`."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        import openqualify.server.db.sqlite_inline  # noqa: F401  (registers the dialect)

        return parsed.set(drivername="sqlite+inline").render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {backend!r}: use sqlite:// or postgresql://")


def sync_url(url: str) -> str:
    """The same database through a synchronous driver (for Alembic and bulk tools)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {backend!r}: use sqlite:// or postgresql://")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"
