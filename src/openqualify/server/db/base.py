"""Declarative base, id columns shared by every model, and the organisation-scoped mixin.

Column types live in `types.py` (migrations import them); `UTCDateTime` is re-exported here for older imports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from openqualify.server.db.types import UTCDateTime

__all__ = ["ID_LENGTH", "NAMING_CONVENTION", "Base", "OrgScoped", "UTCDateTime", "fk_column", "id_column"]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
        list[str]: JSON(),
    }


ID_LENGTH = 40
"""Room for push ids (20), ObjectIds (24) and caller-chosen ids of the sandbox."""


def id_column(**kwargs: Any) -> Mapped[str]:
    return mapped_column(String(ID_LENGTH), primary_key=True, **kwargs)


def fk_column(target: str, *, ondelete: str = "CASCADE", **kwargs: Any) -> Any:
    """An id column referring to `target` ("table.column"); nullability follows the annotation unless given."""
    return mapped_column(String(ID_LENGTH), ForeignKey(target, ondelete=ondelete), **kwargs)


def sqlite_listing(name: str, *columns: str) -> Index:
    """A covering index for the whole-offering lists, on SQLite only.

    SQLite reads a table row through its rowid after finding it in an index: a second b-tree search per row,
    for rows scattered over the file. An index holding every column a list reads answers from the index alone
    (the learners' progress list of a 5,000-learner offering: 20 -> 10 ms). PostgreSQL keeps its plain
    indexes: a b-tree entry there must fit in a third of a page, which long names and e-mails can exceed.
    Migrations create these only on SQLite, and schema comparisons skip them elsewhere (`db.conditional`).
    """
    return Index(name, *columns).ddl_if(dialect="sqlite")


class OrgScoped:
    """Every row of every tenant table names its organisation; repositories filter on it."""

    @declared_attr
    def org_id(cls) -> Mapped[str]:
        return mapped_column(
            String(ID_LENGTH), ForeignKey("organisations.id", ondelete="CASCADE"), index=True
        )
