"""Compile a parsed `$filter` into a SQLAlchemy boolean expression, and parse `$orderby` into order clauses.

Type rules (a mismatch is an ApiValidationError):
- `string` fields compare with string literals only; the string functions take string fields or `tolower()`.
- `number` fields accept numeric literals and numeric strings (`o/completion eq '100'`).
- `datetime` fields accept date-time literals and strings holding an RFC 3339 date-time.
- `boolean` fields accept `true`/`false` with `eq`/`ne`, or stand alone as a predicate.
- `eq null` / `ne null` work on any field and become IS NULL / IS NOT NULL.
- Two fields of the same kind may be compared with each other.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, NoReturn, cast

from sqlalchemy import (
    DateTime,
    Float,
    SQLColumnExpression,
    String,
    and_,
    false,
    func,
    literal,
    not_,
    or_,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from openqualify.server.kit.errors import ApiValidationError
from openqualify.server.kit.odata.parser import (
    FILTER_ERROR,
    And,
    Call,
    Compare,
    CompareOp,
    FieldRef,
    Lambda,
    Node,
    Not,
    ODataSyntaxError,
    Or,
    Value,
    fail,
    parse_number,
)
from openqualify.server.kit.timefmt import format_datetime, parse_datetime

FieldKind = Literal["string", "number", "datetime", "boolean"]
INVALID_ORDERBY = "invalid $orderby parameter."
MAX_ORDERBY_LENGTH = 2000
LIKE_ESCAPE = "/"
_INT64 = 2**63


@dataclass(frozen=True, slots=True)
class Field:
    """A filterable property: the SQL expression it maps to and its value kind.

    `column` may be a Core column/expression or an ORM attribute such as `User.email`.
    `lowered`, for a string field, is a stored column equal to `lower(column)` (e.g. a lower-cased key): the
    case-insensitive functions and `tolower()` then use it as it is, so the database can use its index and
    statistics, instead of wrapping `column` in `lower()`. Comparisons (`eq`, `gt`, ...) still use `column`.
    """

    column: SQLColumnExpression[Any]
    kind: FieldKind
    sortable: bool = True
    lowered: SQLColumnExpression[Any] | None = None

    @property
    def sql(self) -> ColumnElement[Any]:
        """The column as a Core expression (ORM attributes unwrapped), so its type drives binding."""
        return as_column(self.column)

    @property
    def lowered_sql(self) -> ColumnElement[Any] | None:
        return None if self.lowered is None else as_column(self.lowered)


def as_column(column: SQLColumnExpression[Any]) -> ColumnElement[Any]:
    """A Core ColumnElement for a Core expression or an ORM attribute."""
    if isinstance(column, ColumnElement):
        return column
    return cast(ColumnElement[Any], column.__clause_element__())  # type: ignore[attr-defined]


LambdaHandler = Callable[[Lambda], ColumnElement[bool]]
"""Turns `collection/any(...)` into SQL, typically an EXISTS built with `compile_lambda`."""

_OPERATORS: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
_FLIPPED: dict[CompareOp, CompareOp] = {
    "eq": "eq",
    "ne": "ne",
    "gt": "lt",
    "ge": "le",
    "lt": "gt",
    "le": "ge",
}
_LIKE_PATTERNS: dict[str, str] = {"contains": "%{}%", "startswith": "{}%", "endswith": "%{}"}


@dataclass(frozen=True, slots=True)
class _Expr:
    """A typed SQL operand: a field, `tolower(...)` or a predicate function."""

    sql: ColumnElement[Any]
    kind: FieldKind
    # The same value already lower-cased, when a stored column holds it (see `Field.lowered`).
    lowered: ColumnElement[Any] | None = None

    def lower(self) -> ColumnElement[Any]:
        return self.lowered if self.lowered is not None else func.lower(self.sql)


def _number(value: Decimal) -> int | float:
    if value == value.to_integral_value() and abs(value) < _INT64:
        return int(value)
    return float(value)


_KIND_NAMES: dict[str, str] = {"datetime": "date-time"}
_EXAMPLES: dict[str, str] = {"string": "'text'", "number": "50", "datetime": "2030-01-31T09:00:00Z", "boolean": "true"}


def kind_name(kind: str) -> str:
    return _KIND_NAMES.get(kind, kind)


def _literal(value: Value) -> str:
    """A literal as the error shows it."""
    if value.kind == "string":
        return f"the string {str(value.value)[:40]!r}"
    if value.kind == "null":
        return "null"
    if value.kind == "boolean":
        return f"the boolean {str(value.value).lower()}"
    if isinstance(value.value, datetime):
        return f"the date-time {format_datetime(value.value)}"
    return f"the {kind_name(value.kind)} {value.value}"


def _coerce(value: Value, kind: FieldKind, subject: str = "the property") -> Any:
    """The Python value to bind for `value` compared with a field of `kind`."""
    raw = value.value
    if kind == "string" and value.kind == "string":
        return raw
    if kind == "number":
        if value.kind == "number" and isinstance(raw, Decimal):
            return _number(raw)
        number = parse_number(raw) if value.kind == "string" and isinstance(raw, str) else None
        if number is not None:
            return _number(number)
    if kind == "datetime":
        if value.kind == "datetime":
            return raw
        if value.kind == "string" and isinstance(raw, str):
            try:
                return parse_datetime(raw)
            except ValueError:
                pass
    if kind == "boolean" and value.kind == "boolean":
        return raw
    expected = {
        "string": "a quoted string such as 'text'",
        "number": "a number such as 50",
        "datetime": "a date-time such as 2030-01-31T09:00:00Z",
        "boolean": "true or false",
    }[kind]
    fail(f"{subject} is a {kind_name(kind)}: compare it with {expected}, found {_literal(value)} at position "
         f"{value.pos}")


def _bind(sql: ColumnElement[Any], kind: FieldKind, value: Any) -> Any:
    """Bind numbers with a type SQLite can store, and naive UTC for a plain timezone-less DateTime column."""
    if kind == "number":
        return literal(value, Float()) if isinstance(value, float) else value
    if kind == "datetime" and isinstance(sql.type, DateTime) and not sql.type.timezone:
        return value.replace(tzinfo=None)
    return value


def escape_like(text: str) -> str:
    """Escape LIKE wildcards with `LIKE_ESCAPE`."""
    return re.sub(r"([/%_])", r"/\1", text)


class _Compiler:
    def __init__(
        self,
        fields: Mapping[str, Field],
        collections: Mapping[str, LambdaHandler] | None,
        variable: str | None,
    ) -> None:
        self.fields = fields
        self.collections = collections or {}
        self.variable = variable

    def predicate(self, node: Node) -> ColumnElement[bool]:
        if isinstance(node, And):
            return and_(*(self.predicate(operand) for operand in node.operands))
        if isinstance(node, Or):
            return or_(*(self.predicate(operand) for operand in node.operands))
        if isinstance(node, Not):
            return not_(self.predicate(node.operand))
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Lambda):
            return self.lambda_(node)
        if isinstance(node, Value):
            if node.kind == "boolean":
                return true() if node.value else false()
            fail(f"expected a condition at position {node.pos}, found {_literal(node)}")
        operand = self.operand(node)
        if operand.kind != "boolean":
            where = f" at position {node.pos}" if isinstance(node, FieldRef | Call) else ""
            fail(f"expected a condition{where}, found the {kind_name(operand.kind)} {_shown(node)!r}: compare it, "
                 f"as in {_shown(node)} eq {_EXAMPLES[operand.kind]}")
        return operand.sql

    def field(self, ref: FieldRef) -> Field:
        shown = _shown(ref)
        if ref.variable != self.variable:
            if ref.variable is None:
                fail(f"property {shown!r} at position {ref.pos} is outside any(): inside it, name properties "
                     f"through its variable ({self.variable}/...)")
            fail(f"property {shown!r} at position {ref.pos} is out of scope here")
        found = self.fields.get(ref.path)
        if found is None:
            hint = ""
            for name, collection in self.collections.items():
                if isinstance(collection, Collection) and ref.path in collection.fields:
                    hint = f": it is a property of {name}, as in {name}/any(o: o/{ref.path} ...)"
            fail(f"unknown property {shown!r} at position {ref.pos}{hint}")
        return found

    def operand(self, node: Node) -> _Expr:
        if isinstance(node, FieldRef):
            found = self.field(node)
            return _Expr(found.sql, found.kind, found.lowered_sql)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, (And, Or, Not, Compare, Lambda)):
            return _Expr(self.predicate(node), "boolean")
        fail(f"expected a property at position {node.pos}, found {_literal(node)}")

    def string_operand(self, node: Node, function: str, pos: int) -> _Expr:
        if isinstance(node, Value):
            fail(f"{function}() at position {pos} needs a string property as its first argument, found "
                 f"{_literal(node)}")
        operand = self.operand(node)
        if operand.kind != "string":
            fail(f"{function}() at position {pos} needs a string property, found the {kind_name(operand.kind)} "
                 f"{_shown(node)!r}")
        return operand

    def call(self, node: Call) -> _Expr:
        if node.name == "tolower":
            source = self.string_operand(node.args[0], node.name, node.pos)
            # A stored lower-cased twin stays itself under further lower-casing.
            return _Expr(source.lower(), "string", source.lowered)
        target = self.string_operand(node.args[0], node.name, node.pos)
        needle = node.args[1]
        if not isinstance(needle, Value) or needle.kind != "string" or not isinstance(needle.value, str):
            shown = _literal(needle) if isinstance(needle, Value) else repr(_shown(needle))
            fail(f"{node.name}() at position {node.pos} needs a quoted string as its second argument, found {shown}")
        pattern = _LIKE_PATTERNS[node.name].format(escape_like(needle.value))
        matched = target.lower().like(func.lower(literal(pattern, String())), escape=LIKE_ESCAPE)
        return _Expr(matched, "boolean")

    def compare(self, node: Compare) -> ColumnElement[bool]:
        op, left, right = node.op, node.left, node.right
        if isinstance(left, Value):
            if isinstance(right, Value):
                fail(f"the comparison at position {node.pos} needs a property on one side, found two values")
            op, left, right = _FLIPPED[op], right, left
        subject = self.operand(left)
        if isinstance(right, Value):
            return self.compare_value(op, subject, right, node, left)
        other = self.operand(right)
        if other.kind != subject.kind:
            fail(f"cannot compare the {kind_name(subject.kind)} {_shown(left)!r} with the {kind_name(other.kind)} "
                 f"{_shown(right)!r} at position {node.pos}")
        if subject.kind == "boolean" and op not in ("eq", "ne"):
            fail(f"{op} at position {node.pos} does not apply to booleans (eq and ne do)")
        return _OPERATORS[op](subject.sql, other.sql)

    def compare_value(
        self, op: CompareOp, subject: _Expr, value: Value, node: Compare, left: Node
    ) -> ColumnElement[bool]:
        if value.kind == "null":
            if op == "eq":
                return subject.sql.is_(None)
            if op == "ne":
                return subject.sql.is_not(None)
            fail(f"{op} at position {node.pos} does not apply to null (eq null and ne null do)")
        bound = _coerce(value, subject.kind, repr(_shown(left)))
        if subject.kind == "boolean":
            if op not in ("eq", "ne"):
                fail(f"{op} at position {node.pos} does not apply to booleans (eq and ne do)")
            return subject.sql if bound == (op == "eq") else not_(subject.sql)
        return _OPERATORS[op](subject.sql, _bind(subject.sql, subject.kind, bound))

    def lambda_(self, node: Lambda) -> ColumnElement[bool]:
        if node.source.variable != self.variable:
            fail(f"collection {_shown(node.source)!r} at position {node.pos} is out of scope here")
        handler = self.collections.get(node.source.path)
        if handler is None:
            known = ", ".join(f"{name}/any()" for name in self.collections) or "none in this list"
            fail(f"unknown collection {node.source.path!r} at position {node.pos} (collections: {known})")
        return handler(node)


def _shown(node: Node) -> str:
    """A property or call as the filter wrote it."""
    if isinstance(node, FieldRef):
        return f"{node.variable}/{node.path}" if node.variable else node.path
    if isinstance(node, Call):
        return f"{node.name}({', '.join(_shown(arg) for arg in node.args)})"
    if isinstance(node, Value):
        return _literal(node)
    return "the expression"


@dataclass(frozen=True, slots=True)
class Collection:
    """A collection property filtered with `any()`: its handler, and the fields of its items (for errors)."""

    handler: LambdaHandler
    fields: Mapping[str, Field]

    def __call__(self, node: Lambda) -> ColumnElement[bool]:
        return self.handler(node)


def _fields_text(fields: Mapping[str, Field], prefix: str = "", separator: str = "; ") -> str:
    by_kind: dict[str, list[str]] = {}
    for name, found in fields.items():
        by_kind.setdefault(found.kind, []).append(prefix + name)
    return separator.join(f"{', '.join(names)} ({kind_name(kind)})" for kind, names in by_kind.items())


def allowed_text(fields: Mapping[str, Field], collections: Mapping[str, LambdaHandler] | None = None) -> str:
    """What a list's `$filter` accepts, for its errors."""
    parts = [_fields_text(fields)]
    for name, collection in (collections or {}).items():
        inner = f" over {_fields_text(collection.fields, 'o/', ', ')}" if isinstance(collection, Collection) else ""
        parts.append(f"{name}/any(o: ...){inner}")
    return (
        f"This list filters on {'; '.join(parts)}. Operators: eq, ne, gt, ge, lt, le, and, or, not, parentheses; "
        "functions contains(p, 'text'), startswith(p, 'text'), endswith(p, 'text'), tolower(p); strings in "
        "single quotes, date-times as 2030-01-31T09:00:00Z."
    )


@contextmanager
def explained(fields: Mapping[str, Field], collections: Mapping[str, LambdaHandler] | None = None) -> Iterator[None]:
    """Parse and compile a list's `$filter` inside: its errors then also say what the list accepts."""
    try:
        yield
    except ApiValidationError as error:
        if not isinstance(error.__cause__, ODataSyntaxError) or not error.details.startswith(FILTER_ERROR):
            raise
        raise ApiValidationError(f"{error.details}. {allowed_text(fields, collections)}") from error.__cause__


def compile_filter(
    node: Node,
    fields: Mapping[str, Field],
    collections: Mapping[str, LambdaHandler] | None = None,
    *,
    variable: str | None = None,
) -> ColumnElement[bool]:
    """Compile a parsed filter into a WHERE clause.

    `collections` maps a collection path to the handler of its `any(...)`. `variable` is the lambda variable
    whose properties `fields` describes (None at the top level); prefer `compile_lambda` for lambda bodies.
    """
    return _Compiler(fields, collections, variable).predicate(node)


def compile_lambda(
    node: Lambda,
    fields: Mapping[str, Field],
    collections: Mapping[str, LambdaHandler] | None = None,
) -> ColumnElement[bool]:
    """Compile the body of `source/any(v: ...)` against `fields`, keyed without the `v/` prefix.

    An argument-less `any()` compiles to TRUE; the handler's correlation then decides.
    """
    if node.body is None:
        return true()
    return compile_filter(node.body, fields, collections, variable=node.variable)


_ORDER_ITEM = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)(?:\s+(asc|desc))?\s*")


def _orderby_fail(reason: str) -> NoReturn:
    raise ApiValidationError(INVALID_ORDERBY) from ODataSyntaxError(reason)


def parse_orderby(text: str, fields: Mapping[str, Field]) -> list[ColumnElement[Any]]:
    """Parse `field [asc|desc], ...` into ORDER BY clauses.

    Nulls sort first ascending and last descending (null is the smallest value) on every database.
    """
    if len(text) > MAX_ORDERBY_LENGTH:
        _orderby_fail(f"longer than {MAX_ORDERBY_LENGTH} characters")
    clauses: list[ColumnElement[Any]] = []
    for item in text.split(","):
        match = _ORDER_ITEM.fullmatch(item)
        if match is None:
            _orderby_fail(f"malformed item {item!r}")
        path, direction = match.group(1), match.group(2) or "asc"
        found = fields.get(path)
        if found is None or not found.sortable:
            _orderby_fail(f"cannot order by {path!r}")
        if direction == "asc":
            clauses.append(found.sql.asc().nulls_first())
        else:
            clauses.append(found.sql.desc().nulls_last())
    return clauses
