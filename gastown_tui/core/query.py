"""The ``bd query '<expr>'`` filter language over bead records (pure, standard library only).

Grammar (keywords ``and``/``or``/``not``/``in`` are case-insensitive)::

    query      := or_expr EOF
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | primary
    primary    := "(" or_expr ")" | FIELD OP value | FIELD ["not"] "in" "[" [values] "]"
    values     := value ("," value)*
    OP         := "=" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "~"
    value      := bare word | 'single' or "double" quoted string (escapes \\" \\' \\\\ \\n \\t)

A FIELD is a top-level record key (``type`` is an alias of ``issue_type``) or a dotted path into
nested mappings such as ``metadata.rig``.  ``label``/``labels`` and any other list-valued field use
membership: ``label = x`` holds when some label equals ``x``, ``label != x`` when none does.
``~`` is a :func:`re.search`.  Values compare numerically when both sides are numbers (for
``priority`` ``P1``/``p1`` means 1), as instants when both sides parse as RFC 3339 times or bare
dates (midnight UTC), otherwise as strings; ``true``/``false`` compare with booleans.  A missing
field (after the defaults status=open, issue_type=task, priority=0, labels=[], metadata={}) makes
``=``, ``~``, ``in`` and the orderings false, and ``!=``/``not in`` true.

The module is over 300 lines because the tokenizer, the parser and the evaluator of one small
language read best side by side (each is short; the grammar ties them).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, TypeAlias, TypeVar

__all__ = ["And", "Compare", "Expr", "InList", "Not", "Or", "Query", "QueryError", "parse_query"]

_OPERATORS: Final = frozenset({"=", "==", "!=", "<", "<=", ">", ">=", "~"})
_ORDERING: Final = frozenset({"<", "<=", ">", ">="})
_TOKEN_RE: Final = re.compile(
    r"(?P<space>\s+)|(?P<punct>[()\[\],])|(?P<op>[=!<>~]+)"
    r"|(?P<string>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
    r"|(?P<unterminated>[\"'])|(?P<word>[^\s()\[\],'\"=!<>~]+)",
    re.DOTALL,
)
_UNESCAPE_RE: Final = re.compile(r"\\(.)", re.DOTALL)
_ESCAPES: Final = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t"}
_KEYWORDS: Final = frozenset({"and", "or", "not", "in"})
_ALIASES: Final = {"type": "issue_type", "label": "labels"}
_DEFAULTS: Final[Mapping[str, object]] = dict(
    status="open", issue_type="task", priority=0, labels=(), metadata={}
)
_TIME_FIELDS: Final = frozenset({"created_at", "updated_at", "closed_at", "defer_until", "due_at"})
_FIELD_RE: Final = re.compile(r"[A-Za-z_][\w-]*(?:\.[\w-]+)*")
_NUMBER_RE: Final = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_PRIORITY_RE: Final = re.compile(r"[Pp]([0-9]+)")
_TIME_RE: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})?)?"
)
_EPOCH: Final = datetime(1970, 1, 1)
_BOOLS: Final = {"true": True, "false": False}
_SIGNS: Final = {"=": (0,), "<": (-1,), "<=": (-1, 0), ">": (1,), ">=": (0, 1)}  # allowed _cmp
_T = TypeVar("_T", int, Decimal, str)
_R = TypeVar("_R", bound=Mapping[str, object])


class QueryError(ValueError):
    """A malformed query; ``column`` is 1-based within ``text``."""

    def __init__(self, message: str, column: int, text: str = "") -> None:
        super().__init__(message, column, text)
        self.message = message
        self.column = column
        self.text = text

    def __str__(self) -> str:
        shown = re.sub(r"\s", " ", self.text)  # keep the caret aligned under tabs/newlines
        return f"query:1:{self.column}: {self.message}\n{shown}\n{' ' * (self.column - 1)}^"


def _lookup(record: Mapping[str, object], field: str) -> object:
    head, *rest = field.split(".")
    value = record.get(head)
    if value is None:
        value = _DEFAULTS.get(head)
    for key in rest:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _number(value: object, field: str) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        if _NUMBER_RE.fullmatch(value):
            return Decimal(value)
        match = _PRIORITY_RE.fullmatch(value)
        if match and field == "priority":
            return Decimal(match.group(1))
    return None


def _instant(value: object) -> int | None:
    """Nanoseconds since the epoch for an RFC 3339 time or bare date (UTC), else None."""
    match = _TIME_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
    except ValueError:
        return None
    offset = 0
    if zone and zone not in ("Z", "z"):
        offset = (int(zone[1:3]) * 60 + int(zone[4:6])) * (-1 if zone[0] == "-" else 1)
    seconds = (moment - _EPOCH) // timedelta(seconds=1) + int(second or 0) - offset * 60
    return seconds * 10**9 + int((fraction or "").ljust(9, "0"))


def _sign(left: _T, right: _T) -> int:
    return (left > right) - (left < right)


def _cmp(actual: object, expected: str, field: str) -> int:
    if isinstance(actual, bool):
        flag = _BOOLS.get(expected.lower())
        return _sign(_text(actual), expected) if flag is None else _sign(int(actual), int(flag))
    left_num, right_num = _number(actual, field), _number(expected, field)
    if left_num is not None and right_num is not None:
        return _sign(left_num, right_num)
    left_time, right_time = _instant(actual), _instant(expected)
    if left_time is not None and right_time is not None:
        return _sign(left_time, right_time)
    return _sign(_text(actual), expected)


def _test(
    actual: object, op: str, expected: str, pattern: re.Pattern[str] | None, field: str
) -> bool:
    """Evaluate every operator except ``!=`` (which is the negation of ``=``)."""
    if actual is None:
        return False
    if isinstance(actual, list | tuple):
        return any(_test(item, op, expected, pattern, field) for item in actual)
    if op == "~":
        return pattern is not None and pattern.search(_text(actual)) is not None
    return _cmp(actual, expected, field) in _SIGNS[op]


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: str
    pattern: re.Pattern[str] | None = None

    def matches(self, record: Mapping[str, object]) -> bool:
        actual = _lookup(record, self.field)
        if self.op == "!=":
            return not _test(actual, "=", self.value, None, self.field)
        return _test(actual, self.op, self.value, self.pattern, self.field)


@dataclass(frozen=True)
class InList:
    field: str
    values: tuple[str, ...]
    negated: bool = False

    def matches(self, record: Mapping[str, object]) -> bool:
        actual = _lookup(record, self.field)
        found = any(_test(actual, "=", value, None, self.field) for value in self.values)
        return found != self.negated


@dataclass(frozen=True)
class Not:
    operand: Expr

    def matches(self, record: Mapping[str, object]) -> bool:
        return not self.operand.matches(record)


@dataclass(frozen=True)
class And:
    operands: tuple[Expr, ...]

    def matches(self, record: Mapping[str, object]) -> bool:
        return all(operand.matches(record) for operand in self.operands)


@dataclass(frozen=True)
class Or:
    operands: tuple[Expr, ...]

    def matches(self, record: Mapping[str, object]) -> bool:
        return any(operand.matches(record) for operand in self.operands)


Expr: TypeAlias = Compare | InList | Not | And | Or


@dataclass(frozen=True)
class Query:
    """A parsed query; ``text`` is the source it came from."""

    text: str
    expr: Expr

    def matches(self, record: Mapping[str, object]) -> bool:
        return self.expr.matches(record)

    def filter(self, records: Iterable[_R]) -> list[_R]:
        return [record for record in records if self.expr.matches(record)]


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "string", "op", "eof" or a punctuation character
    text: str
    column: int


def _unescape(body: str) -> str:
    return _UNESCAPE_RE.sub(lambda m: _ESCAPES.get(m[1], m[0]), body)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN_RE.finditer(text):
        kind, raw, column = match.lastgroup or "", match.group(), match.start() + 1
        if kind == "unterminated":
            raise QueryError("unterminated string", column, text)
        if kind == "op" and raw not in _OPERATORS:
            raise QueryError(f"unknown operator '{raw}'", column, text)
        if kind == "string":
            tokens.append(_Token(kind, _unescape(raw[1:-1]), column))
        elif kind != "space":
            kind = raw if kind == "punct" else kind
            tokens.append(_Token(kind, "=" if raw == "==" else raw, column))
    tokens.append(_Token("eof", "", len(text) + 1))
    return tokens


def _describe(token: _Token) -> str:
    if token.kind == "eof":
        return "end of query"
    if token.kind == "string":
        return f"string {json.dumps(token.text)}"
    if token.kind == "word" and token.text.lower() in _KEYWORDS:
        return f"keyword '{token.text}'"
    return f"'{token.text}'"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def error(self, message: str, token: _Token) -> QueryError:
        return QueryError(message, token.column, self.text)

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def advance(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def accept(self, keyword: str) -> bool:
        """Consume the next token if it is ``keyword``."""
        token = self.peek()
        if token.kind == "word" and token.text.lower() == keyword:
            self.advance()
            return True
        return False

    def parse(self) -> Expr:
        if self.peek().kind == "eof":
            raise QueryError("empty query", 1, self.text)
        expr = self.parse_or()
        if self.peek().kind != "eof":
            found = _describe(self.peek())
            raise self.error(f"expected 'and', 'or' or end of query, found {found}", self.peek())
        return expr

    def parse_or(self) -> Expr:
        operands = [self.parse_and()]
        while self.accept("or"):
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def parse_and(self) -> Expr:
        operands = [self.parse_not()]
        while self.accept("and"):
            operands.append(self.parse_not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def parse_not(self) -> Expr:
        if self.accept("not"):
            return Not(self.parse_not())
        return self.parse_primary()

    def parse_primary(self) -> Expr:
        token = self.advance()
        if token.kind == "(":
            expr = self.parse_or()
            self.expect_close(")", token)
            return expr
        if token.kind != "word" or token.text.lower() in _KEYWORDS:
            raise self.error(f"expected field name or '(', found {_describe(token)}", token)
        return self.parse_comparison(token)

    def expect_close(self, close: str, opener: _Token, others: str = "") -> None:
        token = self.advance()
        if token.kind == "eof":
            message = f"missing '{close}' to close '{opener.text}' at column {opener.column}"
            raise self.error(message, token)
        if token.kind != close:
            raise self.error(f"expected {others}'{close}', found {_describe(token)}", token)

    def parse_comparison(self, name: _Token) -> Expr:
        field = self.field_name(name)
        if self.peek().kind == "op":
            op = self.advance().text
            value = self.parse_value(field, op)
            return Compare(field, op, value.text, self.regex(value, op))
        negated = self.accept("not")
        if self.accept("in"):
            return InList(field, self.parse_list(field), negated)
        wanted = "'in' after 'not'" if negated else f"operator after field '{name.text}'"
        raise self.error(f"expected {wanted}, found {_describe(self.peek())}", self.peek())

    def field_name(self, token: _Token) -> str:
        if not _FIELD_RE.fullmatch(token.text):
            raise self.error(f"invalid field name '{token.text}'", token)
        head, dot, rest = token.text.partition(".")
        head = head.lower()
        return _ALIASES.get(head, head) + dot + rest

    def parse_list(self, field: str) -> tuple[str, ...]:
        opener = self.advance()
        if opener.kind != "[":
            raise self.error(f"expected '[' after 'in', found {_describe(opener)}", opener)
        values: list[str] = []
        if self.peek().kind == "]":
            self.advance()
            return ()
        while True:
            values.append(self.parse_value(field, "=").text)
            if self.peek().kind != ",":
                self.expect_close("]", opener, "',' or ")
                return tuple(values)
            self.advance()

    def parse_value(self, field: str, op: str) -> _Token:
        token = self.advance()
        if token.kind not in ("word", "string") or (
            token.kind == "word" and token.text.lower() in _KEYWORDS
        ):
            hint = " (quote it to use it as a value)" if token.kind == "word" else ""
            raise self.error(f"expected value, found {_describe(token)}{hint}", token)
        if op != "~" and field == "priority" and _number(token.text, field) is None:
            raise self.error(f"invalid priority '{token.text}' (expected 0-4 or P0-P4)", token)
        if op in _ORDERING and field in _TIME_FIELDS and _instant(token.text) is None:
            message = f"invalid timestamp '{token.text}' (expected YYYY-MM-DD or RFC 3339)"
            raise self.error(message, token)
        return token

    def regex(self, token: _Token, op: str) -> re.Pattern[str] | None:
        if op != "~":
            return None
        try:
            return re.compile(token.text)
        except re.error as exc:
            raise self.error(f"invalid regex: {exc.msg}", token) from None


def parse_query(text: str) -> Query:
    """Parse ``text`` into a :class:`Query`; raises :class:`QueryError` on malformed input."""
    try:
        return Query(text, _Parser(text).parse())
    except RecursionError:
        raise QueryError("query is nested too deeply", 1, text) from None
