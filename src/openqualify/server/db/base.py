"""Declarative base, column types shared by every model, and the organisation-scoped mixin."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from openqualify.server.kit.timefmt import to_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC on both databases; always read back as an aware UTC datetime."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return to_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return to_utc(value)


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


class OrgScoped:
    """Every row of every tenant table names its organisation; repositories filter on it."""

    @declared_attr
    def org_id(cls) -> Mapped[str]:
        return mapped_column(
            String(ID_LENGTH), ForeignKey("organisations.id", ondelete="CASCADE"), index=True
        )
