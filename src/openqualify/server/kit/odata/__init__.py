"""The OData subset of the two list endpoints: `$top`, `$orderby` and `$filter`, compiled to SQLAlchemy.

Decisions worth knowing (DOMAIN §3.5):
- `contains`, `startswith` and `endswith` match case-insensitively on every database. SQLite's LIKE ignores
  ASCII case while PostgreSQL's does not, so both sides are compiled to `lower(col) LIKE lower(:pattern)`
  with `%`, `_` and the escape character `/` escaped. SQLite's `lower()` only folds ASCII, so non-ASCII
  letters still match case-sensitively there. `eq`/`ne` and `tolower(...)` comparisons stay exact.
  A field may name a stored lower-cased twin (`Field.lowered`, e.g. an e-mail key), used instead of
  `lower(col)` so that the database can use its index and statistics.
- String ordering and `gt`/`lt` on strings follow the database collation (binary on SQLite; PostgreSQL
  databases should use the C collation to agree).
- Date-time literals are bound as aware UTC datetimes; the column type (`UTCDateTime`) stores naive UTC.
  A space in place of an offset's `+` is accepted, as an unencoded `+` decodes to a space in a query string.
- `not` binds looser than a comparison: `not name eq 'x'` means `not (name eq 'x')`.
- Errors: every `$filter` problem is ApiValidationError (the contract's name) saying what was expected where and
  what the list accepts: `invalid $filter parameter: unknown property 'completion' at position 0: it is a
  property of offerings, as in offerings/any(o: o/completion ...). This list filters on ...` (`explained`).
  Every `$orderby` problem is ApiValidationError "invalid $orderby parameter.", a bad `$top` a
  SchemaValidationError. The reason is also kept as the exception's `__cause__` (an ODataSyntaxError).
- What a `$filter` may ask for is bounded (`parser.MAX_*`): 2,000 characters, nesting 10 deep, 20 conditions,
  3 `any()`, string literals of 500 characters; each refusal names its limit.
- An empty `$filter` or `$orderby` counts as absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, SQLColumnExpression
from sqlalchemy.sql.elements import ColumnElement

from openqualify.server.kit.errors import SchemaValidationError
from openqualify.server.kit.odata.compiler import (
    INVALID_ORDERBY,
    Collection,
    Field,
    FieldKind,
    LambdaHandler,
    allowed_text,
    compile_filter,
    compile_lambda,
    escape_like,
    explained,
    parse_orderby,
)
from openqualify.server.kit.odata.parser import (
    FILTER_ERROR,
    INVALID_FILTER,
    And,
    Call,
    Compare,
    FieldRef,
    Lambda,
    Node,
    Not,
    ODataSyntaxError,
    Or,
    Value,
    parse_filter,
)

__all__ = [
    "FILTER_ERROR",
    "INVALID_FILTER",
    "INVALID_ORDERBY",
    "And",
    "Call",
    "Collection",
    "Compare",
    "Field",
    "FieldKind",
    "FieldRef",
    "Lambda",
    "LambdaHandler",
    "Node",
    "Not",
    "ODataQuery",
    "ODataSyntaxError",
    "Or",
    "Value",
    "allowed_text",
    "compile_filter",
    "compile_lambda",
    "escape_like",
    "explained",
    "parse_filter",
    "parse_orderby",
    "parse_top",
]

DEFAULT_TOP = 50
MAX_TOP = 1000

_T = TypeVar("_T", bound=tuple[Any, ...])


def parse_top(text: str | None, default: int = DEFAULT_TOP, maximum: int = MAX_TOP) -> int:
    """`$top` as an int: absent means `default`; anything but a positive integer <= `maximum` is a 400 SVE."""
    if text is None:
        return default
    if not re.fullmatch(r"[0-9]+", text) or not text.strip("0"):
        raise SchemaValidationError("[$top] value should be a positive integer")
    if len(text.lstrip("0")) > len(str(maximum)) or int(text) > maximum:
        raise SchemaValidationError(f"[$top] value should be <= {maximum}")
    return int(text)


@dataclass(frozen=True, slots=True)
class ODataQuery:
    """The validated query options of a list request, ready to apply to a SELECT."""

    where: ColumnElement[bool] | None
    order_by: list[SQLColumnExpression[Any]]
    top: int

    @classmethod
    def from_params(
        cls,
        top: str | None,
        orderby: str | None,
        filter: str | None,
        fields: Mapping[str, Field],
        collections: Mapping[str, LambdaHandler] | None = None,
        default_order: Sequence[SQLColumnExpression[Any]] = (),
        tiebreak: SQLColumnExpression[Any] | Sequence[SQLColumnExpression[Any]] = (),
        *,
        default_top: int = DEFAULT_TOP,
        max_top: int = MAX_TOP,
    ) -> ODataQuery:
        """Validate `$top`, then `$filter`, then `$orderby`.

        Without `$orderby` the `default_order` applies. The `tiebreak` column(s), or clauses, always come
        last so that paging is deterministic.
        """
        limit = parse_top(top, default_top, max_top)
        where = None
        if filter and filter.strip():
            with explained(fields, collections):
                where = compile_filter(parse_filter(filter), fields, collections)
        ties = [tiebreak] if isinstance(tiebreak, SQLColumnExpression) else list(tiebreak)
        order: list[SQLColumnExpression[Any]] = []
        if orderby and orderby.strip():
            order.extend(parse_orderby(orderby, fields))
        else:
            order.extend(default_order)
        return cls(where, [*order, *ties], limit)

    def apply(self, statement: Select[_T]) -> Select[_T]:
        """Add WHERE, ORDER BY and LIMIT to `statement`."""
        if self.where is not None:
            statement = statement.where(self.where)
        return statement.order_by(*self.order_by).limit(self.top)
