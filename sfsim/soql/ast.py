"""The parsed form of a SOQL statement, before it is checked against the org's schema."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class LitKind(Enum):
    """What kind of literal a value is (SOQL types its literals by their spelling)."""

    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    NULL = "null"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Literal:
    """A literal value: strings decoded, numbers parsed, dates as day numbers, datetimes as
    epoch seconds."""

    kind: LitKind
    value: object
    text: str


@dataclass(frozen=True)
class Path:
    """A field reference as written: `Status` or `Owner.Type`."""

    parts: tuple[str, ...]
    column: int

    @property
    def text(self) -> str:
        """The path as written."""
        return ".".join(self.parts)


@dataclass(frozen=True)
class Compare:
    """`path op literal` with op one of = != < <= > >=."""

    path: Path
    op: str
    value: Literal


@dataclass(frozen=True)
class In:
    """`path [NOT] IN (literal, ...)`."""

    path: Path
    values: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class Like:
    """`path LIKE 'pattern'`."""

    path: Path
    pattern: str


@dataclass(frozen=True)
class And:
    """All of the parts."""

    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    """Any of the parts."""

    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    """The negation of one condition."""

    part: Condition


Condition = Compare | In | Like | And | Or | Not


@dataclass(frozen=True)
class OrderKey:
    """One ORDER BY key."""

    path: Path
    descending: bool
    nulls_first: bool


@dataclass(frozen=True)
class Query:
    """A whole statement: `fields` is empty for `SELECT COUNT()`."""

    fields: tuple[Path, ...]
    count: bool
    sobject: str
    where: Condition | None
    order: tuple[OrderKey, ...]
    limit: int | None
