"""Recursive-descent parser for the SOQL subset.

Grammar (keywords case-insensitive):

    query     := SELECT (COUNT '(' ')' | path (',' path)*) FROM name
                 [WHERE condition] [ORDER BY key (',' key)*] [LIMIT number]
    condition := unary (AND unary)* | unary (OR unary)*     -- mixing needs parentheses
    unary     := NOT unary | '(' condition ')' | predicate
    predicate := path (op literal | [NOT] IN '(' literal (',' literal)* ')' | LIKE string)
    key       := path [ASC | DESC] [NULLS (FIRST | LAST)]
"""

from __future__ import annotations

from sfsim import values
from sfsim.errors import malformed_query
from sfsim.soql.ast import (
    And,
    Compare,
    Condition,
    In,
    Like,
    Literal,
    LitKind,
    Not,
    Or,
    OrderKey,
    Path,
    Query,
)
from sfsim.soql.lexer import T, Token, tokenize

_RESERVED = {
    "select", "from", "where", "and", "or", "not", "in", "like", "order", "by", "asc", "desc",
    "nulls", "first", "last", "limit", "null", "true", "false",
}  # fmt: skip


def parse(soql: str) -> Query:
    """Parse a statement; MALFORMED_QUERY (with Salesforce's position message) if it is not one."""
    return _Parser(soql).query()


class _Parser:
    def __init__(self, soql: str) -> None:
        self.soql = soql
        self.tokens = tokenize(soql)
        self.pos = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def _fail(self, token: Token | None = None) -> Exception:
        token = token or self.tok
        return malformed_query(self.soql, token.column, f"unexpected token: '{token.text}'")

    def _is_kw(self, *words: str) -> bool:
        return self.tok.kind is T.NAME and self.tok.text.lower() in words

    def _take_kw(self, word: str) -> None:
        if not self._is_kw(word):
            raise self._fail()
        self.pos += 1

    def _take(self, kind: T) -> Token:
        token = self.tok
        if token.kind is not kind:
            raise self._fail()
        self.pos += 1
        return token

    def query(self) -> Query:
        self._take_kw("select")
        fields, count = self._select_list()
        self._take_kw("from")
        sobject = self._name().text
        where = None
        if self._is_kw("where"):
            self.pos += 1
            where = self._condition()
        order: tuple[OrderKey, ...] = ()
        if self._is_kw("order"):
            self.pos += 1
            self._take_kw("by")
            order = self._order_keys()
        limit = self._limit()
        if self.tok.kind is not T.EOF:
            raise self._fail()
        return Query(fields, count, sobject, where, order, limit)

    def _name(self) -> Token:
        token = self._take(T.NAME)
        if token.text.lower() in _RESERVED:
            raise self._fail(token)
        return token

    def _path(self) -> Path:
        token = self._name()
        return Path(tuple(token.text.split(".")), token.column)

    def _select_list(self) -> tuple[tuple[Path, ...], bool]:
        if self._is_kw("count") and self.tokens[self.pos + 1].kind is T.LPAREN:
            self.pos += 1
            self._take(T.LPAREN)
            self._take(T.RPAREN)
            return (), True
        paths = [self._path()]
        while self.tok.kind is T.COMMA:
            self.pos += 1
            paths.append(self._path())
        return tuple(paths), False

    def _condition(self) -> Condition:
        parts = [self._unary()]
        joiner = None
        while self._is_kw("and", "or"):
            word = self.tok.text.lower()
            if joiner is not None and word != joiner:
                raise self._fail()
            joiner = word
            self.pos += 1
            parts.append(self._unary())
        if joiner is None:
            return parts[0]
        return And(tuple(parts)) if joiner == "and" else Or(tuple(parts))

    def _unary(self) -> Condition:
        if self._is_kw("not"):
            self.pos += 1
            return Not(self._unary())
        if self.tok.kind is T.LPAREN:
            self.pos += 1
            inner = self._condition()
            self._take(T.RPAREN)
            return inner
        return self._predicate()

    def _predicate(self) -> Condition:
        path = self._path()
        if self.tok.kind is T.OP:
            op = self.tok.text
            self.pos += 1
            return Compare(path, "!=" if op == "<>" else op, self._literal())
        negated = self._is_kw("not")
        if negated:
            self.pos += 1
        if self._is_kw("in"):
            self.pos += 1
            return In(path, self._literal_list(), negated)
        if self._is_kw("like") and not negated:
            self.pos += 1
            return Like(path, str(self._take(T.STRING).value))
        raise self._fail()

    def _literal_list(self) -> tuple[Literal, ...]:
        self._take(T.LPAREN)
        items = [self._literal()]
        while self.tok.kind is T.COMMA:
            self.pos += 1
            items.append(self._literal())
        self._take(T.RPAREN)
        return tuple(items)

    def _literal(self) -> Literal:
        token = self.tok
        literal = _literal_of(token)
        if literal is None:
            raise self._fail()
        self.pos += 1
        return literal

    def _order_keys(self) -> tuple[OrderKey, ...]:
        keys = [self._order_key()]
        while self.tok.kind is T.COMMA:
            self.pos += 1
            keys.append(self._order_key())
        return tuple(keys)

    def _order_key(self) -> OrderKey:
        path = self._path()
        descending = False
        if self._is_kw("asc", "desc"):
            descending = self.tok.text.lower() == "desc"
            self.pos += 1
        nulls_first = not descending
        if self._is_kw("nulls"):
            self.pos += 1
            if not self._is_kw("first", "last"):
                raise self._fail()
            nulls_first = self.tok.text.lower() == "first"
            self.pos += 1
        return OrderKey(path, descending, nulls_first)

    def _limit(self) -> int | None:
        if not self._is_kw("limit"):
            return None
        self.pos += 1
        token = self._take(T.NUMBER)
        if not token.text.isdigit():
            raise self._fail(token)
        return int(token.text)


def _literal_of(token: Token) -> Literal | None:
    if token.kind is T.STRING:
        return Literal(LitKind.STRING, token.value, token.text)
    if token.kind is T.NUMBER:
        number = float(token.text) if "." in token.text else int(token.text)
        return Literal(LitKind.NUMBER, number, token.text)
    if token.kind is T.DATE:
        day = values.parse_date(token.text)
        return None if day is None else Literal(LitKind.DATE, day, token.text)
    if token.kind is T.DATETIME:
        moment = values.parse_datetime(token.text)
        return None if moment is None else Literal(LitKind.DATETIME, moment, token.text)
    if token.kind is T.NAME:
        word = token.text.lower()
        if word == "null":
            return Literal(LitKind.NULL, None, token.text)
        if word in ("true", "false"):
            return Literal(LitKind.BOOLEAN, word == "true", token.text)
    return None
