"""Alembic environment: one history for SQLite and PostgreSQL, run through the synchronous driver."""

from __future__ import annotations

from alembic import context

import openqualify.server.db.models  # noqa: F401  (registers every table)
from openqualify.server.db.base import Base
from openqualify.server.db.conditional import include_object_for
from openqualify.server.db.engine import make_sync_engine

config = context.config
# The models' metadata; a test of the revision workflow passes its own through `config.attributes`.
target_metadata = config.attributes.get("target_metadata", Base.metadata)


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("no database: set sqlalchemy.url or pass a connection")
    engine = make_sync_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object_for(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
