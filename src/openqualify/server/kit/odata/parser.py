"""Tokenizer and recursive-descent parser for the `$filter` subset; produces a small immutable AST.

Precedence, tightest first: primaries (literals, paths, calls, parentheses) > comparisons > `not` > `and`
> `or`.
`not` deliberately binds looser than a comparison, so `not name eq 'x'` reads as `not (name eq 'x')` (strict
OData would apply `not` to `name` and reject the result). Comparisons do not chain: `a eq b eq c` is an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Literal, NoReturn, cast

from openqualify.server.kit.errors import ApiValidationError
from openqualify.server.kit.timefmt import parse_datetime

INVALID_FILTER = "invalid $filter parameter."
MAX_FILTER_LENGTH = 2000
MAX_DEPTH = 50

ValueKind = Literal["string", "number", "datetime", "boolean", "null"]
CompareOp = Literal["eq", "ne", "gt", "ge", "lt", "le"]

COMPARISONS: frozenset[str] = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
FUNCTION_ARITY: dict[str, int] = {"contains": 2, "startswith": 2, "endswith": 2, "tolower": 1}
LAMBDA_OPERATORS: frozenset[str] = frozenset({"any"})
_RESERVED = COMPARISONS | {"and", "or", "not"}


class ODataSyntaxError(ValueError):
    """Why a `$filter` was refused; attached as `__cause__` of the public ApiValidationError."""


def fail(reason: str) -> NoReturn:
    """Raise the contract's single `$filter` error, keeping the precise reason for logs and tests."""
    raise ApiValidationError(INVALID_FILTER) from ODataSyntaxError(reason)


# --- AST -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Value:
    """A literal. `number` holds a Decimal, `datetime` an aware UTC datetime, `null` holds None."""

    kind: ValueKind
    value: str | Decimal | datetime | bool | None


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A property path such as `metadata/rootContentId`.

    Inside a lambda body `o/id` becomes `FieldRef("id", variable="o")`; outside, `variable` is None.
    """

    path: str
    variable: str | None = None


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Node
    right: Node


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


def _datetime(text: str) -> datetime:
    if len(text) > 19 and text[-6] == " ":
        text = text[:-6] + "+" + text[-5:]
    try:
        return parse_datetime(text)
    except ValueError:
        fail(f"invalid date-time {text!r}")


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
            fail(f"unexpected character {text[pos]!r} at {pos}")
        kind, lexeme = match.lastgroup, match.group()
        if kind == "datetime":
            tokens.append(Token("datetime", lexeme, pos, _datetime(lexeme)))
        elif kind == "typed":
            tokens.append(Token("datetime", lexeme, pos, _datetime(_unquote(lexeme[lexeme.index("'") :]))))
        elif kind == "number":
            number = parse_number(lexeme)
            if number is None:
                fail(f"number out of range at {pos}")
            tokens.append(Token("number", lexeme, pos, number))
        elif kind == "string":
            tokens.append(Token("string", lexeme, pos, _unquote(lexeme)))
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

    def expect(self, kind: TokenKind, text: str | None = None) -> Token:
        if not self.at(kind, text):
            token = self.peek()
            fail(f"expected {text or kind} at {token.pos}, found {token.text or 'end of input'!r}")
        return self.advance()

    def name(self) -> str:
        token = self.expect("ident")
        if token.text in _RESERVED:
            fail(f"unexpected keyword {token.text!r} at {token.pos}")
        return token.text

    @contextmanager
    def nested(self) -> Iterator[None]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            fail(f"expression nested deeper than {MAX_DEPTH}")
        try:
            yield
        finally:
            self.depth -= 1

    # grammar
    def parse(self) -> Node:
        node = self.or_expr()
        if not self.at("eof"):
            token = self.peek()
            fail(f"unexpected {token.text!r} at {token.pos}")
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
            return Compare(op, left, self.primary())
        return left

    def primary(self) -> Node:
        token = self.peek()
        if token.kind == "punct" and token.text == "(":
            self.advance()
            with self.nested():
                node = self.or_expr()
            self.expect("punct", ")")
            return node
        if token.kind == "string":
            self.advance()
            return Value("string", token.value)
        if token.kind == "number":
            self.advance()
            return Value("number", token.value)
        if token.kind == "datetime":
            self.advance()
            return Value("datetime", token.value)
        if token.kind == "ident":
            if token.text in ("true", "false"):
                self.advance()
                return Value("boolean", token.text == "true")
            if token.text == "null":
                self.advance()
                return Value("null", None)
            if self.at("punct", "(", offset=1):
                return self.call()
            return self.path()
        fail(f"expected an operand at {token.pos}, found {token.text or 'end of input'!r}")

    def call(self) -> Call:
        token = self.peek()
        name = self.name()
        arity = FUNCTION_ARITY.get(name)
        if arity is None:
            fail(f"unknown function {name!r} at {token.pos}")
        self.expect("punct", "(")
        args: list[Node] = []
        with self.nested():
            args.append(self.or_expr())
            while self.at("punct", ","):
                self.advance()
                args.append(self.or_expr())
        self.expect("punct", ")")
        if len(args) != arity:
            fail(f"{name} takes {arity} argument(s), got {len(args)}")
        return Call(name, tuple(args))

    def path(self) -> FieldRef | Lambda:
        segments = [self.name()]
        while self.at("punct", "/"):
            self.advance()
            token = self.peek()
            segment = self.name()
            if self.at("punct", "("):
                if segment not in LAMBDA_OPERATORS:
                    fail(f"unknown lambda operator {segment!r} at {token.pos}")
                return self.lambda_(self.ref(segments), segment)
            segments.append(segment)
        return self.ref(segments)

    def ref(self, segments: list[str]) -> FieldRef:
        if segments[0] in self.scopes:
            if len(segments) == 1:
                fail(f"lambda variable {segments[0]!r} needs a property")
            return FieldRef("/".join(segments[1:]), variable=segments[0])
        return FieldRef("/".join(segments))

    def lambda_(self, source: FieldRef, operator: str) -> Lambda:
        self.expect("punct", "(")
        if self.at("punct", ")"):
            self.advance()
            return Lambda(source, operator, None, None)
        variable = self.name()
        if variable in self.scopes:
            fail(f"lambda variable {variable!r} is already in use")
        self.expect("punct", ":")
        self.scopes.append(variable)
        try:
            with self.nested():
                body = self.or_expr()
        finally:
            self.scopes.pop()
        self.expect("punct", ")")
        return Lambda(source, operator, variable, body)


def parse_filter(text: str) -> Node:
    """Parse a `$filter` expression; any problem raises ApiValidationError("invalid $filter parameter.")."""
    if not isinstance(text, str) or not text.strip():
        fail("empty expression")
    if len(text) > MAX_FILTER_LENGTH:
        fail(f"longer than {MAX_FILTER_LENGTH} characters")
    return _Parser(text).parse()
