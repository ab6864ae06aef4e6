"""The OData subset: parser, type rules, `$orderby`, `$top`, and filters executed on SQLite (and PostgreSQL).

Set OPENQUALIFY_TEST_DATABASE_URL=postgresql://... to also run the execution tests on PostgreSQL, in temporary
tables of one connection.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    exists,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from openqualify.server.db.base import UTCDateTime
from openqualify.server.kit.errors import ApiError, ApiValidationError, SchemaValidationError
from openqualify.server.kit.odata import (
    FILTER_ERROR,
    INVALID_FILTER,
    INVALID_ORDERBY,
    And,
    Call,
    Compare,
    Field,
    FieldRef,
    Lambda,
    Node,
    Not,
    ODataQuery,
    ODataSyntaxError,
    Or,
    Value,
    compile_filter,
    compile_lambda,
    escape_like,
    parse_filter,
    parse_orderby,
    parse_top,
)


def ref(path: str, variable: str | None = None) -> FieldRef:
    return FieldRef(path, variable)


def s(text: str) -> Value:
    return Value("string", text)


def n(text: str) -> Value:
    return Value("number", Decimal(text))


def eq(left: Node, right: Node) -> Compare:
    return Compare("eq", left, right)


def reason(error: pytest.ExceptionInfo[ApiError]) -> str:
    cause = error.value.__cause__
    assert isinstance(cause, ODataSyntaxError)
    return str(cause)


# --- parser: structure ---------------------------------------------------------------------------------------


def test_comparison_operators() -> None:
    for op in ("eq", "ne", "gt", "ge", "lt", "le"):
        assert parse_filter(f"score {op} 5") == Compare(op, ref("score"), n("5"))  # type: ignore[arg-type]


def test_and_binds_tighter_than_or() -> None:
    assert parse_filter("a eq 1 or b eq 2 and c eq 3") == Or(
        (eq(ref("a"), n("1")), And((eq(ref("b"), n("2")), eq(ref("c"), n("3")))))
    )
    assert parse_filter("a eq 1 and b eq 2 or c eq 3") == Or(
        (And((eq(ref("a"), n("1")), eq(ref("b"), n("2")))), eq(ref("c"), n("3")))
    )


def test_not_binds_tighter_than_and_but_looser_than_comparison() -> None:
    assert parse_filter("not a eq 1 and b eq 2") == And((Not(eq(ref("a"), n("1"))), eq(ref("b"), n("2"))))
    assert parse_filter("not not a eq 1") == Not(Not(eq(ref("a"), n("1"))))


def test_parentheses_override_precedence() -> None:
    assert parse_filter("(a eq 1 or b eq 2) and c eq 3") == And(
        (Or((eq(ref("a"), n("1")), eq(ref("b"), n("2")))), eq(ref("c"), n("3")))
    )
    assert parse_filter("not (a eq 1 or b eq 2)") == Not(Or((eq(ref("a"), n("1")), eq(ref("b"), n("2")))))
    assert parse_filter("((a eq 1))") == eq(ref("a"), n("1"))


def test_chains_of_the_same_operator_are_flat() -> None:
    node = parse_filter(" and ".join(f"f{i} eq {i}" for i in range(20)))
    assert isinstance(node, And) and len(node.operands) == 20


def test_whitespace_is_flexible() -> None:
    assert parse_filter("  a   eq\t1\n") == eq(ref("a"), n("1"))
    assert parse_filter("contains( name , 'x' )") == Call("contains", (ref("name"), s("x")))


def test_field_paths() -> None:
    assert parse_filter("metadata/rootContentId eq '-Lx9'") == eq(ref("metadata/rootContentId"), s("-Lx9"))
    assert parse_filter("a/b/c_1 eq 'x'") == eq(ref("a/b/c_1"), s("x"))


def test_literal_on_the_left() -> None:
    assert parse_filter("5 lt score") == Compare("lt", n("5"), ref("score"))


def test_functions() -> None:
    assert parse_filter("contains(name,'Safety')") == Call("contains", (ref("name"), s("Safety")))
    assert parse_filter("startswith(name,'a')") == Call("startswith", (ref("name"), s("a")))
    assert parse_filter("endswith(email,'@acme.com')") == Call("endswith", (ref("email"), s("@acme.com")))
    assert parse_filter("tolower(name) eq 'abc'") == eq(Call("tolower", (ref("name"),)), s("abc"))
    assert parse_filter("contains(tolower(name),'abc')") == Call(
        "contains", (Call("tolower", (ref("name"),)), s("abc"))
    )
    assert parse_filter("not contains(name,'x')") == Not(Call("contains", (ref("name"), s("x"))))


def test_lambda() -> None:
    assert parse_filter("offerings/any(o: o/id eq '-MEF8kFyURUr6_CZ4IXD')") == Lambda(
        ref("offerings"), "any", "o", eq(ref("id", "o"), s("-MEF8kFyURUr6_CZ4IXD"))
    )
    assert parse_filter("offerings/any(o:o/completion ge 50 and o/completion lt 100)") == Lambda(
        ref("offerings"),
        "any",
        "o",
        And((Compare("ge", ref("completion", "o"), n("50")), Compare("lt", ref("completion", "o"), n("100")))),
    )
    assert parse_filter("offerings/any()") == Lambda(ref("offerings"), "any", None, None)


def test_lambda_body_keeps_outer_references_and_nests() -> None:
    node = parse_filter("a/any(x: x/b eq name and x/c/any(y: y/d eq x/e))")
    assert node == Lambda(
        ref("a"),
        "any",
        "x",
        And(
            (
                eq(ref("b", "x"), ref("name")),
                Lambda(ref("c", "x"), "any", "y", eq(ref("d", "y"), ref("e", "x"))),
            )
        ),
    )


def test_lambda_variable_is_scoped_to_its_body() -> None:
    assert parse_filter("offerings/any(o: o/id eq 'x') and o/id eq 'y'") == And(
        (Lambda(ref("offerings"), "any", "o", eq(ref("id", "o"), s("x"))), eq(ref("o/id"), s("y")))
    )


# --- parser: literals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'abc'", s("abc")),
        ("''", s("")),
        ("'O''Brien'", s("O'Brien")),
        ("''''", s("'")),
        ("'a and b eq (c)'", s("a and b eq (c)")),
        ("'100%_'", s("100%_")),
        ("'é ünï'", s("é ünï")),
        ("42", n("42")),
        ("-7", n("-7")),
        ("0", n("0")),
        ("3.25", n("3.25")),
        ("-0.5", n("-0.5")),
        ("1e3", n("1000")),
        ("2.5E-1", n("0.25")),
        ("true", Value("boolean", True)),
        ("false", Value("boolean", False)),
        ("null", Value("null", None)),
    ],
)
def test_literals(text: str, expected: Value) -> None:
    node = parse_filter(f"x eq {text}")
    assert node == eq(ref("x"), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T00:00:00.000+02:00", datetime(2023, 12, 31, 22, tzinfo=UTC)),
        ("2024-01-01T00:00:00.000 02:00", datetime(2023, 12, 31, 22, tzinfo=UTC)),
        ("2024-06-30T23:59:59.123456-05:30", datetime(2024, 7, 1, 5, 29, 59, 123456, tzinfo=UTC)),
        ("2024-01-01t10:00:00z", datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("datetime'2024-01-01T00:00:00Z'", datetime(2024, 1, 1, tzinfo=UTC)),
        ("datetimeoffset'2024-01-01T01:00:00+01:00'", datetime(2024, 1, 1, tzinfo=UTC)),
    ],
)
def test_datetime_literals_are_aware_utc(text: str, expected: datetime) -> None:
    node = parse_filter(f"start ge {text}")
    assert node == Compare("ge", ref("start"), Value("datetime", expected))
    assert isinstance(node, Compare) and isinstance(node.right, Value)
    assert isinstance(node.right.value, datetime) and node.right.value.utcoffset() == timedelta(0)


# --- parser: errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "name eq",
        "eq 'x'",
        "name 'x'",
        "name eq 'x",
        "name eq 'x''",
        "name eq 'x' and",
        "and name eq 'x'",
        "name eq 'x' or or code eq 'y'",
        "(name eq 'x'",
        "name eq 'x')",
        "()",
        "name EQ 'x'",
        "name eq 'x' AND code eq 'y'",
        "NOT name eq 'x'",
        "name eq 'x' 'y'",
        "a eq 1 eq 2",
        'name eq "x"',
        "name eq @x",
        "name eq -",
        "name eq 1.",
        "name eq .5",
        "name eq 1e999999",
        "$filter=name eq 'x'",
        "name/ eq 'x'",
        "/name eq 'x'",
        "name//x eq 'x'",
        "start ge 2024-01-01",
        "start ge 2024-13-01T00:00:00Z",
        "start ge 2024-01-01T00:00Z",
        "start ge 2024-01-01T00:00:00",
        "start ge datetime'yesterday'",
        "start ge datetime'2024-01-01'",
        "foo(name)",
        "substringof('x', name)",
        "Contains(name,'x')",
        "contains(name)",
        "contains(name,'x','y')",
        "contains(name,)",
        "tolower()",
        "tolower(name,'x') eq 'y'",
        "any(o: o/id eq 'x')",
        "offerings/all(o: o/id eq 'x')",
        "offerings/any(o o/id eq 'x')",
        "offerings/any(o: )",
        "offerings/any(o: o/id eq 'x'",
        "offerings/any(o: o eq 'x')",
        "offerings/any(eq: eq/id eq 'x')",
        "offerings/any(o: o/tags/any(o: o/x eq 1))",
        "name eq 'x' and not",
        "eq eq eq",
    ],
)
def test_syntax_errors(text: str) -> None:
    with pytest.raises(ApiValidationError) as error:
        parse_filter(text)
    assert error.value.name == "ApiValidationError"
    assert error.value.details == f"{FILTER_ERROR}: {reason(error)}"
    assert INVALID_FILTER == "invalid $filter parameter."
    assert error.value.status_code == 400
    assert error.value.body() == {"name": "ApiValidationError", "details": error.value.details}
    assert "position" in reason(error) or text.strip() == ""


def test_errors_explain_themselves_in_the_cause() -> None:
    with pytest.raises(ApiValidationError) as error:
        parse_filter("foo(name)")
    assert "unknown function 'foo'" in reason(error)
    with pytest.raises(ApiValidationError) as error:
        parse_filter("name eq 'x' # y")
    assert "unexpected character '#' at position 12" in reason(error)


def test_length_limit() -> None:
    body = " or ".join(["name eq '" + "x" * 480 + "'"] * 4)
    body += " " * (2000 - len(body))
    assert len(body) == 2000
    parse_filter(body)
    with pytest.raises(ApiValidationError) as error:
        parse_filter(body + " ")
    assert reason(error) == "longer than 2000 characters (at most 2000; this one has 2001)"


def test_string_literals_are_bounded() -> None:
    parse_filter("contains(name, '" + "x" * 500 + "')")
    with pytest.raises(ApiValidationError) as error:
        parse_filter("contains(name, '" + "x" * 501 + "')")
    assert reason(error) == "a string of 501 characters at position 15 (at most 500)"


def test_conditions_and_any_are_bounded() -> None:
    """Issue 19.7: 20 any() terms with $top=1000 held a worker 5 s per request; the refusal names the limit."""
    parse_filter(" or ".join(f"id eq '{i}'" for i in range(20)))
    with pytest.raises(ApiValidationError) as error:
        parse_filter(" or ".join(f"id eq '{i}'" for i in range(21)))
    assert reason(error) == (
        "more than 20 conditions (at most 20 comparisons, function conditions and any() per $filter; this one has "
        "21, the first one past the limit at position 270)"
    )
    parse_filter(" and ".join(f"offerings/any(o: o/completion ge {i})" for i in range(3)))
    twenty = " or ".join(f"offerings/any(o: o/id eq '{i}')" for i in range(20))
    with pytest.raises(ApiValidationError) as error:
        parse_filter(twenty)
    assert reason(error) == (
        "more than 3 any() conditions (at most 3 per $filter; this one has 20, the first one past the limit at "
        "position 99): put alternatives inside one any(), as in offerings/any(o: o/id eq 'a' or o/id eq 'b')"
    )


def test_depth_limit() -> None:
    parse_filter("(" * 10 + "a eq 1" + ")" * 10)
    with pytest.raises(ApiValidationError) as error:
        parse_filter("(" * 11 + "a eq 1" + ")" * 11)
    assert reason(error) == (
        "nested deeper than 10 levels at position 10 (at most 10: parentheses, not, function calls and any() each "
        "add one)"
    )
    with pytest.raises(ApiValidationError):
        parse_filter("not " * 11 + "a eq 1")
    with pytest.raises(ApiValidationError):
        parse_filter("tolower(" * 11 + "name" + ")" * 11 + " eq 'x'")


def test_non_string_input_is_refused() -> None:
    with pytest.raises(ApiValidationError):
        parse_filter(None)  # type: ignore[arg-type]


# --- execution fixtures --------------------------------------------------------------------------------------

metadata = MetaData()
items = Table(
    "odata_items",
    metadata,
    Column("id", String(8), primary_key=True),
    Column("name", String(50)),
    Column("code", String(10), nullable=False),
    Column("score", Integer),
    Column("ratio", Float),
    Column("created", UTCDateTime()),
    Column("active", Boolean),
    Column("root", String(20)),
    prefixes=["TEMPORARY"],
)
memberships = Table(
    "odata_memberships",
    metadata,
    Column("item_id", String(8), primary_key=True),
    Column("offering_id", String(30), primary_key=True),
    Column("completion", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)

ITEMS: list[dict[str, Any]] = [
    {
        "id": "i1",
        "name": "Alpha Safety",
        "code": "A_1",
        "score": 10,
        "ratio": 0.5,
        "created": datetime(2024, 1, 1, tzinfo=UTC),
        "active": True,
        "root": "-Lx9a",
    },
    {
        "id": "i2",
        "name": "beta safety",
        "code": "B%2",
        "score": 50,
        "ratio": 1.25,
        "created": datetime(2024, 6, 15, 12, 30, tzinfo=UTC),
        "active": False,
        "root": "-Lx9b",
    },
    {
        "id": "i3",
        "name": "Gamma",
        "code": "AX1",
        "score": None,
        "ratio": None,
        "created": None,
        "active": None,
        "root": None,
    },
    {
        "id": "i4",
        "name": "O'Brien",
        "code": "C_2",
        "score": -5,
        "ratio": 2.0,
        "created": datetime(2023, 12, 31, 23, tzinfo=UTC),
        "active": False,
        "root": "-Lx9a",
    },
    {
        "id": "i5",
        "name": "delta 100%",
        "code": "d/3",
        "score": 100,
        "ratio": 0.0,
        "created": datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=2))),
        "active": True,
        "root": "x",
    },
    {
        "id": "i6",
        "name": None,
        "code": "ABC",
        "score": 50,
        "ratio": 1.0,
        "created": datetime(2024, 6, 15, 12, 30, tzinfo=UTC),
        "active": True,
        "root": "-Lx9b",
    },
]
MEMBERSHIPS: list[dict[str, Any]] = [
    {"item_id": "i1", "offering_id": "-MEF8kFyURUr6_CZ4IXD", "completion": 100},
    {"item_id": "i1", "offering_id": "OFF2", "completion": 40},
    {"item_id": "i2", "offering_id": "OFF2", "completion": 100},
    {"item_id": "i3", "offering_id": "OFF3", "completion": 0},
    {"item_id": "i5", "offering_id": "-MEF8kFyURUr6_CZ4IXD", "completion": 60},
]
ALL = {row["id"] for row in ITEMS}

FIELDS: dict[str, Field] = {
    "id": Field(items.c.id, "string"),
    "name": Field(items.c.name, "string"),
    "code": Field(items.c.code, "string"),
    "score": Field(items.c.score, "number"),
    "ratio": Field(items.c.ratio, "number"),
    "created": Field(items.c.created, "datetime"),
    "active": Field(items.c.active, "boolean"),
    "metadata/rootContentId": Field(items.c.root, "string"),
    "secret": Field(items.c.code, "string", sortable=False),
}
OFFERING_FIELDS: dict[str, Field] = {
    "id": Field(memberships.c.offering_id, "string"),
    "completion": Field(memberships.c.completion, "number"),
}


def offerings_any(node: Lambda) -> ColumnElement[bool]:
    inner = compile_lambda(node, OFFERING_FIELDS)
    return exists().where(memberships.c.item_id == items.c.id, inner)


COLLECTIONS = {"offerings": offerings_any}


def _backends() -> list[Any]:
    url = os.environ.get("OPENQUALIFY_TEST_DATABASE_URL", "")
    postgres = pytest.param(
        url,
        id="postgresql",
        marks=pytest.mark.skipif(
            not url.startswith("postgresql"), reason="OPENQUALIFY_TEST_DATABASE_URL is not PostgreSQL"
        ),
    )
    return [pytest.param("sqlite://", id="sqlite"), postgres]


@pytest.fixture(scope="module", params=_backends())
def conn(request: pytest.FixtureRequest) -> Iterator[Connection]:
    url = make_url(request.param)
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url)
    with engine.connect() as connection:
        metadata.create_all(connection)
        connection.execute(items.insert(), ITEMS)
        connection.execute(memberships.insert(), MEMBERSHIPS)
        yield connection
        connection.rollback()
    engine.dispose()


def ids(conn: Connection, text: str) -> set[str]:
    where = compile_filter(parse_filter(text), FIELDS, COLLECTIONS)
    return set(conn.scalars(select(items.c.id).where(where)))


# --- execution: filters --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # strings
        ("name eq 'Gamma'", {"i3"}),
        ("name eq 'gamma'", set()),
        ("name ne 'Gamma'", {"i1", "i2", "i4", "i5"}),
        ("name eq 'O''Brien'", {"i4"}),
        ("'Gamma' eq name", {"i3"}),
        ("code gt 'B'", {"i2", "i4", "i5"}),
        ("code le 'AX1'", {"i3", "i6"}),
        ("id eq 'i1' or id eq 'i2'", {"i1", "i2"}),
        ("metadata/rootContentId eq '-Lx9a'", {"i1", "i4"}),
        # null
        ("name eq null", {"i6"}),
        ("null eq name", {"i6"}),
        ("name ne null", ALL - {"i6"}),
        ("score eq null", {"i3"}),
        ("created eq null", {"i3"}),
        ("active eq null", {"i3"}),
        ("created ne null and score ne null", ALL - {"i3"}),
        # numbers
        ("score eq 50", {"i2", "i6"}),
        ("score eq 50.0", {"i2", "i6"}),
        ("score eq '50'", {"i2", "i6"}),
        ("score gt 10", {"i2", "i5", "i6"}),
        ("score ge 10", {"i1", "i2", "i5", "i6"}),
        ("score lt 0", {"i4"}),
        ("score le -5", {"i4"}),
        ("score gt 9.5", {"i1", "i2", "i5", "i6"}),
        ("score lt 10.5 and score gt -4.5", {"i1"}),
        ("score ne 50", {"i1", "i4", "i5"}),
        ("10 lt score", {"i2", "i5", "i6"}),
        ("ratio eq 1.25", {"i2"}),
        ("ratio ge 1", {"i2", "i4", "i6"}),
        ("ratio lt '0.75'", {"i1", "i5"}),
        ("score gt 99999999999999999999", set()),
        ("score gt -99999999999999999999", ALL - {"i3"}),
        ("score lt 1e3", ALL - {"i3"}),
        # datetimes
        ("created ge 2024-01-01T00:00:00Z", {"i1", "i2", "i5", "i6"}),
        ("created gt 2024-01-01T00:00:00Z", {"i2", "i5", "i6"}),
        ("created eq 2024-01-01T02:00:00+02:00", {"i1"}),
        ("created eq 2024-01-01T02:00:00.000 02:00", {"i1"}),
        ("created eq datetime'2024-01-01T00:00:00Z'", {"i1"}),
        ("created eq '2024-06-15T12:30:00.000Z'", {"i2", "i6"}),
        ("created lt 2024-01-01T00:00:00.000+01:00", set()),
        ("created le 2024-01-01T00:00:00.000+01:00", {"i4"}),
        ("created eq 2024-12-31T22:00:00Z", {"i5"}),
        (
            "created ge 2024-01-01T00:00:00Z and created le 2024-12-31T21:59:59Z",
            {"i1", "i2", "i6"},
        ),
        # booleans
        ("active eq true", {"i1", "i5", "i6"}),
        ("active eq false", {"i2", "i4"}),
        ("active ne true", {"i2", "i4"}),
        ("active ne false", {"i1", "i5", "i6"}),
        ("true eq active", {"i1", "i5", "i6"}),
        ("active", {"i1", "i5", "i6"}),
        ("not active", {"i2", "i4"}),
        ("true", ALL),
        ("false", set()),
        ("active and score gt 10", {"i5", "i6"}),
        # field against field
        ("name eq code", set()),
        ("score gt ratio", {"i1", "i2", "i5", "i6"}),
        ("metadata/rootContentId ne id", ALL - {"i3"}),
        # logic
        ("not (score eq 50)", {"i1", "i4", "i5"}),
        ("not score eq 50", {"i1", "i4", "i5"}),
        ("score eq 50 or score eq 10 and active eq false", {"i2", "i6"}),
        ("(score eq 50 or score eq 10) and active eq true", {"i1", "i6"}),
        ("not (active eq true or score eq null)", {"i2", "i4"}),
        ("not not active", {"i1", "i5", "i6"}),
    ],
)
def test_filters(conn: Connection, text: str, expected: set[str]) -> None:
    assert ids(conn, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("contains(name,'Safety')", {"i1", "i2"}),
        ("contains(name,'SAFETY')", {"i1", "i2"}),
        ("contains(name,'afe')", {"i1", "i2"}),
        ("contains(name,'')", ALL - {"i6"}),
        ("startswith(name,'alpha')", {"i1"}),
        ("startswith(name,'BETA')", {"i2"}),
        ("endswith(name,'SAFETY')", {"i1", "i2"}),
        ("endswith(name,'Gamm')", set()),
        ("contains(name,'''')", {"i4"}),
        ("startswith(name,'o''b')", {"i4"}),
        # LIKE wildcards are literal characters
        ("contains(name,'%')", {"i5"}),
        ("endswith(name,'100%')", {"i5"}),
        ("contains(code,'_')", {"i1", "i4"}),
        ("startswith(code,'A_')", {"i1"}),
        ("contains(code,'%')", {"i2"}),
        ("contains(code,'/')", {"i5"}),
        ("endswith(code,'/3')", {"i5"}),
        ("contains(code,'//')", set()),
        ("startswith(code,'A%')", set()),
        # tolower
        ("tolower(name) eq 'gamma'", {"i3"}),
        ("tolower(name) eq 'Gamma'", set()),
        ("'alpha safety' eq tolower(name)", {"i1"}),
        ("tolower(name) eq tolower(name)", ALL - {"i6"}),
        ("contains(tolower(name),'safety')", {"i1", "i2"}),
        ("startswith(tolower(tolower(code)),'ab')", {"i6"}),
        # predicates as operands
        ("contains(name,'Safety') eq true", {"i1", "i2"}),
        ("contains(name,'Safety') eq false", {"i3", "i4", "i5"}),
        ("contains(name,'Safety') ne true", {"i3", "i4", "i5"}),
        ("not contains(name,'Safety')", {"i3", "i4", "i5"}),
        ("contains(name,'Safety') and score gt 10", {"i2"}),
        ("(score gt 10) eq active", {"i4", "i5", "i6"}),
    ],
)
def test_string_functions(conn: Connection, text: str, expected: set[str]) -> None:
    assert ids(conn, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("offerings/any(o: o/id eq '-MEF8kFyURUr6_CZ4IXD')", {"i1", "i5"}),
        ("offerings/any(o: o/id ne 'OFF2')", {"i1", "i3", "i5"}),
        ("offerings/any(o: o/completion eq '100')", {"i1", "i2"}),
        ("offerings/any(o: o/completion eq 100)", {"i1", "i2"}),
        ("offerings/any(o: o/completion ge 50)", {"i1", "i2", "i5"}),
        ("offerings/any(o: o/completion lt 50)", {"i1", "i3"}),
        ("offerings/any(o: o/id eq 'OFF2' and o/completion lt 100)", {"i1"}),
        ("offerings/any(x: startswith(x/id,'off'))", {"i1", "i2", "i3"}),
        ("offerings/any()", {"i1", "i2", "i3", "i5"}),
        ("not offerings/any()", {"i4", "i6"}),
        ("not offerings/any(o: o/completion eq 100)", {"i3", "i4", "i5", "i6"}),
        ("offerings/any(o: o/id eq 'OFF2') and offerings/any(o: o/completion eq 100)", {"i1", "i2"}),
        ("offerings/any(o: o/id eq 'OFF3') or score eq 100", {"i3", "i5"}),
    ],
)
def test_lambda_filters(conn: Connection, text: str, expected: set[str]) -> None:
    assert ids(conn, text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("nope eq 'x'", "unknown property 'nope'"),
        ("Name eq 'x'", "unknown property 'Name'"),
        ("metadata eq 'x'", "unknown property 'metadata'"),
        ("name eq 5", "'name' is a string: compare it with a quoted string such as 'text', found the number 5 at "
         "position 8"),
        ("name eq true", "found the boolean true at position 8"),
        ("name eq 2024-01-01T00:00:00Z", "found the date-time 2024-01-01T00:00:00.000Z at position 8"),
        ("score eq 'abc'", "'score' is a number: compare it with a number such as 50, found the string 'abc'"),
        ("score eq ''", "'score' is a number: compare it with a number such as 50, found the string ''"),
        ("score eq true", "'score' is a number: compare it with a number such as 50, found the boolean true"),
        ("score eq 2024-01-01T00:00:00Z", "'score' is a number: compare it with a number such as 50, found the "
         "date-time"),
        ("created eq 'abc'", "'created' is a date-time: compare it with a date-time such as 2030-01-31T09:00:00Z, "
         "found the string 'abc' at position 11"),
        ("created eq '2024-01-01'", "'created' is a date-time: compare it with a date-time"),
        ("created gt 5", "'created' is a date-time: compare it with a date-time such as 2030-01-31T09:00:00Z, "
         "found the number 5"),
        ("active eq 'true'", "'active' is a boolean: compare it with true or false, found the string 'true'"),
        ("active eq 1", "'active' is a boolean: compare it with true or false, found the number 1"),
        ("active gt true", "gt at position 7 does not apply to booleans (eq and ne do)"),
        ("name gt null", "gt at position 5 does not apply to null (eq null and ne null do)"),
        ("null eq null", "the comparison at position 5 needs a property on one side, found two values"),
        ("1 eq 1", "the comparison at position 2 needs a property on one side"),
        ("'a' eq 'a'", "the comparison at position 4 needs a property on one side"),
        ("name eq score", "cannot compare the string 'name' with the number 'score' at position 5"),
        ("active eq score", "cannot compare the boolean 'active' with the number 'score' at position 7"),
        ("score", "expected a condition at position 0, found the number 'score': compare it, as in score eq 50"),
        ("name", "expected a condition at position 0, found the string 'name'"),
        ("tolower(name)", "expected a condition at position 0, found the string 'tolower(name)'"),
        ("'x'", "expected a condition at position 0, found the string 'x'"),
        ("5", "expected a condition at position 0, found the number 5"),
        ("null", "expected a condition at position 0, found null"),
        ("not name", "expected a condition at position 4, found the string 'name'"),
        ("name eq 'x' and score", "expected a condition at position 16, found the number 'score'"),
        ("contains(score,'1')", "contains() at position 0 needs a string property, found the number 'score'"),
        ("contains(created,'2024')", "contains() at position 0 needs a string property, found the date-time"),
        ("contains(name,5)", "contains() at position 0 needs a quoted string as its second argument, found the "
         "number 5"),
        ("contains(name,code)", "needs a quoted string as its second argument, found 'code'"),
        ("contains(name,null)", "needs a quoted string as its second argument, found null"),
        ("contains('abc',name)", "contains() at position 0 needs a string property as its first argument, found "
         "the string 'abc'"),
        ("startswith(contains(name,'x'),'y')", "startswith() at position 0 needs a string property, found the "
         "boolean"),
        ("tolower(score) eq '1'", "tolower() at position 0 needs a string property, found the number 'score'"),
        ("tolower('ABC') eq name", "tolower() at position 0 needs a string property as its first argument"),
        ("tolower(name) eq 1", "'tolower(name)' is a string: compare it with a quoted string such as 'text', "
         "found the number 1 at position 17"),
        ("users/any(u: u/id eq 'x')", "unknown collection 'users' at position 0 (collections: offerings/any())"),
        ("offerings/any(o: o/name eq 'x')", "unknown property 'o/name' at position 17"),
        ("offerings/any(o: o/completion eq 'full')", "'o/completion' is a number: compare it with a number such "
         "as 50, found the string 'full' at position 33"),
        ("offerings/any(o: name eq 'x')", "property 'name' at position 17 is outside any(): inside it, name "
         "properties through its variable (o/...)"),
        ("offerings/any(o: o/tags/any(t: t/x eq 1))", "unknown collection 'tags'"),
        ("offerings/any(o: offerings/any())", "collection 'offerings' at position 17 is out of scope here"),
    ],
)
def test_compile_errors(text: str, why: str) -> None:
    node = parse_filter(text)
    with pytest.raises(ApiValidationError) as error:
        compile_filter(node, FIELDS, COLLECTIONS)
    assert error.value.details == f"{FILTER_ERROR}: {reason(error)}"
    assert why in reason(error)


def test_lambda_without_collections_is_unknown() -> None:
    with pytest.raises(ApiValidationError) as error:
        compile_filter(parse_filter("offerings/any(o: o/id eq 'x')"), FIELDS)
    assert "unknown collection 'offerings'" in reason(error)


def test_lambda_variable_fields_need_the_lambda_helper() -> None:
    node = parse_filter("offerings/any(o: o/id eq 'x')")
    assert isinstance(node, Lambda) and node.body is not None
    with pytest.raises(ApiValidationError) as error:
        compile_filter(node.body, OFFERING_FIELDS)
    assert "out of scope" in reason(error)
    compile_filter(node.body, OFFERING_FIELDS, variable="o")


def test_escape_like() -> None:
    assert escape_like("a%b_c/d") == "a/%b/_c//d"
    assert escape_like("plain") == "plain"


def test_like_compiles_to_lower_on_both_sides() -> None:
    sql = str(compile_filter(parse_filter("contains(name,'A%')"), FIELDS))
    assert sql.startswith("lower(odata_items.name) LIKE lower(")
    assert sql.endswith("ESCAPE '/'")


# A field with a stored lower-cased twin: `code` stands in for lower(name) so that the test sees which one is used.
LOWERED_FIELDS: dict[str, Field] = {**FIELDS, "name": Field(items.c.name, "string", lowered=items.c.code)}


def test_lowered_twin_replaces_lower_in_functions_only() -> None:
    def sql(text: str) -> str:
        return str(compile_filter(parse_filter(text), LOWERED_FIELDS))

    assert sql("endswith(name,'x')").startswith("odata_items.code LIKE lower(")
    assert sql("tolower(name) eq 'x'").startswith("odata_items.code = ")
    assert sql("contains(tolower(name),'x')").startswith("odata_items.code LIKE lower(")
    assert sql("name eq 'x'").startswith("odata_items.name = ")
    assert sql("name gt 'x'").startswith("odata_items.name > ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("endswith(name,'/3')", {"i5"}),
        ("contains(name,'_')", {"i1", "i4"}),
        ("tolower(name) eq 'abc'", set()),
        ("tolower(name) eq 'ABC'", {"i6"}),
        ("name eq 'Gamma'", {"i3"}),
        ("name eq null", {"i6"}),
    ],
)
def test_lowered_twin_execution(conn: Connection, text: str, expected: set[str]) -> None:
    where = compile_filter(parse_filter(text), LOWERED_FIELDS, COLLECTIONS)
    assert set(conn.scalars(select(items.c.id).where(where))) == expected


# --- $orderby ------------------------------------------------------------------------------------------------


def ordered(conn: Connection, text: str) -> list[str]:
    clauses = parse_orderby(text, FIELDS)
    return list(conn.scalars(select(items.c.id).order_by(*clauses, items.c.id)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("score", ["i3", "i4", "i1", "i2", "i6", "i5"]),
        ("score asc", ["i3", "i4", "i1", "i2", "i6", "i5"]),
        ("score desc", ["i5", "i2", "i6", "i1", "i4", "i3"]),
        ("score desc,id desc", ["i5", "i6", "i2", "i1", "i4", "i3"]),
        ("  score   desc ,  id  desc  ", ["i5", "i6", "i2", "i1", "i4", "i3"]),
        ("created desc", ["i5", "i2", "i6", "i1", "i4", "i3"]),
        ("created", ["i3", "i4", "i1", "i2", "i6", "i5"]),
        ("metadata/rootContentId,code desc", ["i3", "i4", "i1", "i2", "i6", "i5"]),
        ("active desc,ratio", ["i5", "i1", "i6", "i2", "i4", "i3"]),
        ("code", ["i6", "i3", "i1", "i2", "i4", "i5"]),
    ],
)
def test_orderby(conn: Connection, text: str, expected: list[str]) -> None:
    assert ordered(conn, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "nope",
        "Name",
        "secret",
        "name ASC",
        "name up",
        "name asc desc",
        "name,",
        ",name",
        "name,,code",
        "name desc code",
        "metadata/",
        "tolower(name)",
        "name;drop",
        "x" * 2001,
    ],
)
def test_orderby_errors(text: str) -> None:
    with pytest.raises(ApiValidationError) as error:
        parse_orderby(text, FIELDS)
    assert error.value.details == INVALID_ORDERBY == "invalid $orderby parameter."
    reason(error)


# --- $top ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [(None, 50), ("1", 1), ("20", 20), ("050", 50), ("1000", 1000), ("01000", 1000)]
)
def test_top(text: str | None, expected: int) -> None:
    assert parse_top(text) == expected


def test_top_default_and_maximum_are_configurable() -> None:
    assert parse_top(None, default=20) == 20
    assert parse_top("5", maximum=5) == 5
    with pytest.raises(SchemaValidationError, match=r"^\[\$top\] value should be <= 5$"):
        parse_top("6", maximum=5)


@pytest.mark.parametrize("text", ["", "0", "000", "-1", "+5", " 5", "5 ", "1.5", "1e2", "abc", "٣", "0x10"])
def test_top_must_be_a_positive_integer(text: str) -> None:
    with pytest.raises(SchemaValidationError) as error:
        parse_top(text)
    assert error.value.name == "SchemaValidationError"
    assert error.value.details == "[$top] value should be a positive integer"


@pytest.mark.parametrize("text", ["1001", "99999", "9" * 5000])
def test_top_is_at_most_1000(text: str) -> None:
    with pytest.raises(SchemaValidationError) as error:
        parse_top(text)
    assert error.value.details == "[$top] value should be <= 1000"


# --- ODataQuery ----------------------------------------------------------------------------------------------


def run(conn: Connection, query: ODataQuery) -> list[str]:
    return list(conn.scalars(query.apply(select(items.c.id))))


def query(top: str | None = None, orderby: str | None = None, filter: str | None = None, **kwargs: Any) -> ODataQuery:
    return ODataQuery.from_params(
        top,
        orderby,
        filter,
        FIELDS,
        COLLECTIONS,
        default_order=[items.c.created.desc()],
        tiebreak=items.c.id,
        **kwargs,
    )


def test_query_defaults(conn: Connection) -> None:
    q = query()
    assert q.where is None and q.top == 50 and len(q.order_by) == 2
    # created desc; i2 and i6 tie and fall back to id; PostgreSQL puts NULL first in desc by default,
    # so only compare the non-null part.
    assert [i for i in run(conn, q) if i != "i3"] == ["i5", "i2", "i6", "i1", "i4"]


def test_query_with_every_option(conn: Connection) -> None:
    q = query("2", "score desc", "contains(name,'a') or name eq null")
    assert q.top == 2 and q.where is not None
    assert run(conn, q) == ["i5", "i2"]
    assert run(conn, query("10", "score desc", "score eq 50")) == ["i2", "i6"]
    assert run(conn, query("10", "ratio", "offerings/any(o: o/completion eq '100')")) == ["i1", "i2"]


def test_query_tiebreak_makes_pages_deterministic(conn: Connection) -> None:
    assert run(conn, query("10", "score", "score eq 50")) == ["i2", "i6"]
    q = ODataQuery.from_params("10", "active", "active ne null", FIELDS, tiebreak=[items.c.score.desc(), items.c.id])
    assert run(conn, q) == ["i2", "i4", "i5", "i6", "i1"]


def test_query_treats_empty_options_as_absent() -> None:
    q = query(None, "  ", "")
    assert q.where is None and len(q.order_by) == 2


def test_query_validates_top_first() -> None:
    with pytest.raises(SchemaValidationError):
        query("0", "nope", "nope")
    with pytest.raises(ApiValidationError) as error:
        query("5", "nope", "nope")
    assert error.value.details.startswith("invalid $filter parameter: unknown property 'nope' at position 0. This list")
    with pytest.raises(ApiValidationError, match=r"^invalid \$orderby parameter\.$"):
        query("5", "nope", "name eq 'x'")


def test_query_custom_top_limits() -> None:
    assert query(default_top=20).top == 20
    with pytest.raises(SchemaValidationError, match="<= 500"):
        query("501", max_top=500)


def test_filter_parameters_are_bound_not_inlined() -> None:
    where = compile_filter(parse_filter("name eq 'x'' or 1=1 --'"), FIELDS)
    compiled = where.compile()
    assert "1=1" not in str(compiled)
    assert list(compiled.params.values()) == ["x' or 1=1 --"]


def test_datetimes_bind_as_aware_utc() -> None:
    where = compile_filter(parse_filter("created eq 2024-01-01T02:00:00+02:00"), FIELDS)
    assert list(where.compile().params.values()) == [datetime(2024, 1, 1, tzinfo=UTC)]


class _Base(DeclarativeBase):
    pass


class _Learner(_Base):
    __tablename__ = "odata_learners"
    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    email: Mapped[str] = mapped_column(String(50))
    joined: Mapped[datetime | None] = mapped_column(UTCDateTime())


def test_orm_attributes_work_as_fields() -> None:
    fields = {
        "id": Field(_Learner.id, "string"),
        "email": Field(_Learner.email, "string"),
        "joined": Field(_Learner.joined, "datetime"),
    }
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            _Learner.__table__.insert(),
            [
                {"id": "a", "email": "x@acme.com", "joined": datetime(2024, 5, 1, tzinfo=UTC)},
                {"id": "b", "email": "y@ACME.com", "joined": None},
                {"id": "c", "email": "z@other.org", "joined": datetime(2023, 5, 1, tzinfo=UTC)},
            ],
        )
        q = ODataQuery.from_params(
            "10",
            "joined desc",
            "endswith(email,'@acme.com') or joined lt 2024-01-01T00:00:00+01:00",
            fields,
            default_order=[_Learner.email],
            tiebreak=_Learner.id,
        )
        assert list(connection.scalars(q.apply(select(_Learner.id)))) == ["a", "c", "b"]
        q = ODataQuery.from_params(None, None, None, fields, default_order=[_Learner.email.desc()])
        assert list(connection.scalars(q.apply(select(_Learner.id)))) == ["c", "b", "a"]
    engine.dispose()
