"""Schema objects created on one database only (`Index(...).ddl_if(dialect=...)`), for schema comparisons.

Alembic's comparison of a database with the models knows nothing of `ddl_if`: on a database the object was never
meant for, it would report it missing. `include_object_for(dialect)` is the `include_object` filter that leaves
such model-side objects out of the comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]


def meant_for(schema_item: Any, dialect_name: str) -> bool:
    """Whether the item's DDL runs on that dialect (true for every item without a dialect condition)."""
    condition = getattr(schema_item, "_ddl_if", None)
    if condition is None or condition.dialect is None:
        return True
    dialects = {condition.dialect} if isinstance(condition.dialect, str) else set(condition.dialect)
    return dialect_name in dialects


def include_object_for(dialect_name: str) -> IncludeObject:
    def include_object(item: Any, _name: str | None, _type: str, reflected: bool, _compare_to: Any) -> bool:
        return reflected or meant_for(item, dialect_name)

    return include_object
