"""SOQL tokens. Keywords are recognised case-insensitively by the parser, not here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from sfsim.errors import SfError, malformed_query


class T(Enum):
    """Token kinds."""

    NAME = "name"
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    OP = "op"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    EOF = "<EOF>"


@dataclass(frozen=True)
class Token:
    """One token and the 1-based column where it starts (for error messages)."""

    kind: T
    text: str
    column: int
    value: object = None


_SCANNER = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\dT])
  | (?P<number>-?\d+(?:\.\d+)?)(?![\w.])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
  | (?P<quote>')
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_LIKE_ESCAPES = {"%", "_"}


def _read_string(soql: str, start: int) -> tuple[str, str, int]:
    """Decode a quoted literal from just after its opening quote; (value, raw, end index)."""
    out: list[str] = []
    i = start
    while i < len(soql):
        ch = soql[i]
        if ch == "'":
            return "".join(out), soql[start:i], i + 1
        if ch == "\\":
            nxt = soql[i + 1 : i + 2]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
            elif nxt in _LIKE_ESCAPES:
                out.append("\\" + nxt)  # kept escaped: only LIKE gives it meaning
            else:
                raise SfError(400, "MALFORMED_QUERY", f"Invalid string literal: escape '\\{nxt}'")
            i += 2
            continue
        out.append(ch)
        i += 1
    raise malformed_query(soql, start, "unterminated string literal")


def tokenize(soql: str) -> list[Token]:
    """Split a statement into tokens; MALFORMED_QUERY on anything the subset does not know."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(soql):
        match = _SCANNER.match(soql, pos)
        if match is None:
            raise malformed_query(soql, pos + 1, f"unexpected token: '{soql[pos]}'")
        kind = match.lastgroup
        text = match.group()
        column = pos + 1
        pos = match.end()
        if kind == "space":
            continue
        if kind == "quote":
            value, raw, pos = _read_string(soql, pos)
            tokens.append(Token(T.STRING, raw, column, value))
        elif kind == "punct":
            tokens.append(Token(T(text), text, column))
        else:
            tokens.append(Token(T(kind), text, column))
    tokens.append(Token(T.EOF, "<EOF>", len(soql) + 1))
    return tokens
