"""Tokenizer and recursive-descent parser for the `$filter` subset; produces a small immutable AST.

Precedence, tightest first: primaries (literals, paths, calls, parentheses) > comparisons > `not` > `and`
> `or`.
`not` deliberately binds looser than a comparison, so `not name eq 'x'` reads as `not (name eq 'x')` (strict
OData would apply `not` to `name` and reject the result). Comparisons do not chain: `a eq b eq c` is an error.

Errors say what was expected where: `invalid $filter parameter: expected a value after 'gt' at position 11,
found end of input`; nodes keep the position of their first token for the compiler's errors. What a filter may
ask for is bounded (issue 19.7: 20 `any()` terms with `$top=1000` held a worker 5 s per request): its length,
nesting, terms, `any()` terms and string literals (`FilterLimits`), each refusal naming the limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Literal, NoReturn, cast

from openqualify.server.kit.errors import ApiValidationError
from openqualify.server.kit.timefmt import parse_datetime

FILTER_ERROR = "invalid $filter parameter"
INVALID_FILTER = f"{FILTER_ERROR}."
MAX_FILTER_LENGTH = 2000
MAX_DEPTH = 10
MAX_TERMS = 20
MAX_ANY = 3
MAX_STRING_LENGTH = 500

ValueKind = Literal["string", "number", "datetime", "boolean", "null"]
CompareOp = Literal["eq", "ne", "gt", "ge", "lt", "le"]

COMPARISONS: frozenset[str] = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
FUNCTION_ARITY: dict[str, int] = {"contains": 2, "startswith": 2, "endswith": 2, "tolower": 1}
LAMBDA_OPERATORS: frozenset[str] = frozenset({"any"})
_RESERVED = COMPARISONS | {"and", "or", "not"}


class ODataSyntaxError(ValueError):
    """Why a `$filter` was refused; attached as `__cause__` of the public ApiValidationError."""


def fail(reason: str) -> NoReturn:
    """Raise the contract's `$filter` error (`ApiValidationError`), its details saying why: `invalid $filter
    parameter: <reason>`. The reason is also the `__cause__` (an ODataSyntaxError), for `explained` to add what
    the list allows."""
    raise ApiValidationError(f"{FILTER_ERROR}: {reason}") from ODataSyntaxError(reason)


def found(text: str) -> str:
    """How an error shows the token it found."""
    return f"found {text!r}" if text else "found end of input"


# --- AST -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Value:
    """A literal. `number` holds a Decimal, `datetime` an aware UTC datetime, `null` holds None."""

    kind: ValueKind
    value: str | Decimal | datetime | bool | None
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A property path such as `metadata/rootContentId`.

    Inside a lambda body `o/id` becomes `FieldRef("id", variable="o")`; outside, `variable` is None.
    """

    path: str
    variable: str | None = None
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Node
    right: Node
    pos: int = field(default=0, compare=False)  # the operator's


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class Lambda:
    """`source/any(variable: body)`; `body` is None for the argument-less `source/any()`."""

    source: FieldRef
    operator: str
    variable: str | None
    body: Node | None
    pos: int = field(default=0, compare=False)


Node = Value | FieldRef | Call | Compare | And | Or | Not | Lambda


# --- tokenizer -------------------------------------------------------------------------------------------

TokenKind = Literal["ident", "string", "number", "datetime", "punct", "eof"]

# A space may stand in for the `+` of an offset: an unencoded `+` in a query string decodes to a space.
_DATETIME = r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+\-\x20]\d{2}:\d{2})"
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<datetime>{_DATETIME})
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+\-]?\d+)?)
  | (?P<string>'(?:[^']|'')*')
  | (?P<typed>(?:datetime|datetimeoffset)'(?:[^']|'')*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[(),:/])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    pos: int
    value: str | Decimal | datetime | None = None


def _unquote(quoted: str) -> str:
    return quoted[1:-1].replace("''", "'")


def _datetime(text: str, pos: int) -> datetime:
    if len(text) > 19 and text[-6] == " ":
        text = text[:-6] + "+" + text[-5:]
    try:
        return parse_datetime(text)
    except ValueError:
        fail(f"invalid date-time {text[:40]!r} at position {pos}, expected one such as 2030-01-31T09:00:00Z")


def parse_number(text: str) -> Decimal | None:
    """A finite Decimal of sane magnitude, or None when `text` is not a number."""
    if not re.fullmatch(r"-?\d+(?:\.\d+)?(?:[eE][+\-]?\d+)?", text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or (number and abs(number.adjusted()) > 300):
        return None
    return number


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens, ending with an `eof` token; unknown characters are errors."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            hint = ": strings are quoted with ' (a quote inside is written '')" if text[pos] in "'\"" else ""
            fail(f"unexpected character {text[pos]!r} at position {pos}{hint}")
        kind, lexeme = match.lastgroup, match.group()
        if kind == "datetime":
            tokens.append(Token("datetime", lexeme, pos, _datetime(lexeme, pos)))
        elif kind == "typed":
            tokens.append(Token("datetime", lexeme, pos, _datetime(_unquote(lexeme[lexeme.index("'") :]), pos)))
        elif kind == "number":
            number = parse_number(lexeme)
            if number is None:
                fail(f"number {lexeme[:40]!r} out of range at position {pos}")
            tokens.append(Token("number", lexeme, pos, number))
        elif kind == "string":
            value = _unquote(lexeme)
            if len(value) > MAX_STRING_LENGTH:
                fail(f"a string of {len(value)} characters at position {pos} (at most {MAX_STRING_LENGTH})")
            tokens.append(Token("string", lexeme, pos, value))
        elif kind in ("ident", "punct"):
            tokens.append(Token(cast(TokenKind, kind), lexeme, pos))
        pos = match.end()
    tokens.append(Token("eof", "", len(text)))
    return tokens


# --- parser ----------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        self.scopes: list[str] = []

    # helpers
    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.index += 1
        return token

    def at(self, kind: TokenKind, text: str | None = None, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token.kind == kind and (text is None or token.text == text)

    def expect(self, kind: TokenKind, text: str | None = None, what: str | None = None) -> Token:
        if not self.at(kind, text):
            token = self.peek()
            expected = what or (repr(text) if text else "a name" if kind == "ident" else kind)
            fail(f"expected {expected} at position {token.pos}, {found(token.text)}")
        return self.advance()

    def name(self, what: str = "a property name") -> str:
        token = self.expect("ident", what=what)
        if token.text in _RESERVED:
            fail(f"expected {what} at position {token.pos}, found the keyword {token.text!r}")
        return token.text

    @contextmanager
    def nested(self) -> Iterator[None]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            fail(
                f"nested deeper than {MAX_DEPTH} levels at position {self.peek(-1).pos} (at most {MAX_DEPTH}: "
                "parentheses, not, function calls and any() each add one)"
            )
        try:
            yield
        finally:
            self.depth -= 1

    # grammar
    def parse(self) -> Node:
        node = self.or_expr()
        if not self.at("eof"):
            token = self.peek()
            expected = "'and', 'or' or the end of the filter"
            if token.kind == "ident" and token.text in COMPARISONS:
                expected = "'and' or 'or' (comparisons do not chain: use 'a gt 1 and a lt 5')"
            fail(f"expected {expected} at position {token.pos}, {found(token.text)}")
        return node

    def or_expr(self) -> Node:
        operands = [self.and_expr()]
        while self.at("ident", "or"):
            self.advance()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_expr(self) -> Node:
        operands = [self.unary()]
        while self.at("ident", "and"):
            self.advance()
            operands.append(self.unary())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def unary(self) -> Node:
        if self.at("ident", "not"):
            self.advance()
            with self.nested():
                return Not(self.unary())
        return self.comparison()

    def comparison(self) -> Node:
        left = self.primary()
        token = self.peek()
        if token.kind == "ident" and token.text in COMPARISONS:
            self.advance()
            op: CompareOp = token.text  # type: ignore[assignment]
            return Compare(op, left, self.primary(after=token.text), token.pos)
        if isinstance(left, FieldRef) and (
            token.kind in ("string", "number", "datetime") or (token.kind == "ident" and token.text not in _RESERVED)
        ):
            operators = ", ".join(sorted(COMPARISONS))
            fail(f"expected an operator ({operators}) after {left.path!r} at position {token.pos}, {found(token.text)}")
        return left

    def primary(self, after: str | None = None) -> Node:
        token = self.peek()
        if token.kind == "punct" and token.text == "(":
            self.advance()
            with self.nested():
                node = self.or_expr()
            self.expect("punct", ")")
            return node
        if token.kind == "string":
            self.advance()
            return Value("string", token.value, token.pos)
        if token.kind == "number":
            self.advance()
            return Value("number", token.value, token.pos)
        if token.kind == "datetime":
            self.advance()
            return Value("datetime", token.value, token.pos)
        if token.kind == "ident" and token.text not in _RESERVED:
            if token.text in ("true", "false"):
                self.advance()
                return Value("boolean", token.text == "true", token.pos)
            if token.text == "null":
                self.advance()
                return Value("null", None, token.pos)
            if self.at("punct", "(", offset=1):
                return self.call()
            return self.path()
        what = f"a value after {after!r}" if after else "a property, a value or '('"
        fail(f"expected {what} at position {token.pos}, {found(token.text)}")

    def call(self) -> Call:
        token = self.peek()
        name = self.name()
        arity = FUNCTION_ARITY.get(name)
        if arity is None:
            known = ", ".join(f"{f}()" for f in FUNCTION_ARITY)
            fail(f"unknown function {name!r} at position {token.pos} (functions: {known})")
        self.expect("punct", "(")
        args: list[Node] = []
        with self.nested():
            args.append(self.or_expr())
            while self.at("punct", ","):
                self.advance()
                args.append(self.or_expr())
        self.expect("punct", ")", what="')' or ','")
        if len(args) != arity:
            fail(f"{name}() takes {arity} argument{'s' if arity > 1 else ''}, got {len(args)}, at position {token.pos}")
        return Call(name, tuple(args), token.pos)

    def path(self) -> FieldRef | Lambda:
        start = self.peek().pos
        segments = [self.name()]
        while self.at("punct", "/"):
            self.advance()
            token = self.peek()
            segment = self.name()
            if self.at("punct", "("):
                if segment not in LAMBDA_OPERATORS:
                    fail(f"unknown lambda operator {segment!r} at position {token.pos} (only any() is supported)")
                return self.lambda_(self.ref(segments, start), segment, start)
            segments.append(segment)
        return self.ref(segments, start)

    def ref(self, segments: list[str], pos: int) -> FieldRef:
        if segments[0] in self.scopes:
            if len(segments) == 1:
                fail(f"lambda variable {segments[0]!r} at position {pos} needs a property, e.g. {segments[0]}/id")
            return FieldRef("/".join(segments[1:]), segments[0], pos)
        return FieldRef("/".join(segments), None, pos)

    def lambda_(self, source: FieldRef, operator: str, pos: int) -> Lambda:
        self.expect("punct", "(")
        if self.at("punct", ")"):
            self.advance()
            return Lambda(source, operator, None, None, pos)
        token = self.peek()
        variable = self.name("a variable name, as in any(o: o/id eq 'x')")
        if variable in self.scopes:
            fail(f"lambda variable {variable!r} at position {token.pos} is already in use")
        self.expect("punct", ":", what="':' after the variable, as in any(o: o/id eq 'x')")
        self.scopes.append(variable)
        try:
            with self.nested():
                body = self.or_expr()
        finally:
            self.scopes.pop()
        self.expect("punct", ")", what="')' closing any(")
        return Lambda(source, operator, variable, body, pos)


def _walk(node: Node | None) -> Iterator[Node]:
    """Every node of the tree, in the order of the text."""
    if node is None:
        return
    yield node
    if isinstance(node, And | Or):
        for operand in node.operands:
            yield from _walk(operand)
    elif isinstance(node, Not):
        yield from _walk(node.operand)
    elif isinstance(node, Compare):
        yield from _walk(node.left)
        yield from _walk(node.right)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from _walk(arg)
    elif isinstance(node, Lambda):
        yield from _walk(node.body)


def _start(node: Node) -> int:
    """Where a condition begins in the text (a comparison's position is its operator's)."""
    if isinstance(node, Compare) and isinstance(node.left, Value | FieldRef | Call | Lambda):
        return min(node.left.pos, node.pos)
    return getattr(node, "pos", 0)


def _check_cost(tree: Node) -> None:
    """Refuse a filter that asks for more than a list should compute per request (`MAX_ANY`, `MAX_TERMS`)."""
    terms = [n for n in _walk(tree) if isinstance(n, Compare | Lambda) or (isinstance(n, Call) and n.name != "tolower")]
    lambdas = [n for n in terms if isinstance(n, Lambda)]
    if len(lambdas) > MAX_ANY:
        fail(
            f"more than {MAX_ANY} any() conditions (at most {MAX_ANY} per $filter; this one has {len(lambdas)}, the "
            f"first one past the limit at position {lambdas[MAX_ANY].pos}): put alternatives inside one any(), as "
            "in offerings/any(o: o/id eq 'a' or o/id eq 'b')"
        )
    if len(terms) > MAX_TERMS:
        fail(
            f"more than {MAX_TERMS} conditions (at most {MAX_TERMS} comparisons, function conditions and any() per "
            f"$filter; this one has {len(terms)}, the first one past the limit at position {_start(terms[MAX_TERMS])})"
        )


def parse_filter(text: str) -> Node:
    """Parse a `$filter` expression; any problem raises ApiValidationError `invalid $filter parameter: <why>`."""
    if not isinstance(text, str) or not text.strip():
        fail("empty expression")
    if len(text) > MAX_FILTER_LENGTH:
        fail(f"longer than {MAX_FILTER_LENGTH} characters (at most {MAX_FILTER_LENGTH}; this one has {len(text)})")
    tree = _Parser(text).parse()
    _check_cost(tree)
    return tree
