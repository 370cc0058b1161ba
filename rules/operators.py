"""Conditions compiled once into predicates over a lead's fields.

Semantics (SPEC, "Rules file"): text comparisons ignore case, except `matches`, which follows the
flags written in its pattern; a blank field (None, missing, empty text) matches only `missing`,
`ne` and `not_in` (exact negations of `eq` and `in`); `between` is inclusive; numbers held in
text fields compare as numbers; `contains` on a multi-select picklist (`"A;B"`) tests its
elements. Everything that can be worked out from the rule alone (case folding, regex compilation,
sets for `in`) happens here, once, so a predicate does the least per lead.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from rules.patterns import Pattern, compile_pattern
from rules.scorer import Shape, shape_of, shaped
from rules.values import as_bool, as_date, as_datetime, as_number

Fields = Mapping[str, Any]
Predicate = Callable[[Fields], bool]
Bound = float | date | datetime

OPERATORS = (
    "eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between",
    "contains", "starts_with", "ends_with", "matches", "exists", "missing",
)  # fmt: skip
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le,
}  # fmt: skip
# A numeric comparison as the inclusive range it allows, so every numeric test is one chained
# comparison with no call: `> b` is `>= the next float above b`. That is exact for every number
# Salesforce sends: its numbers are doubles, and its int fields fit in 32 bits.
_NUMBER_RANGE: dict[Callable[[Any, Any], bool], Callable[[float], tuple[float, float]]] = {
    operator.gt: lambda b: (math.nextafter(b, math.inf), math.inf),
    operator.ge: lambda b: (b, math.inf),
    operator.lt: lambda b: (-math.inf, math.nextafter(b, -math.inf)),
    operator.le: lambda b: (-math.inf, b),
}


def bound_of(value: Any) -> Bound | None:
    """A rule value usable by gt/gte/lt/lte/between: a number, a date, or an aware datetime."""
    if isinstance(value, bool):
        return None
    if isinstance(value, datetime | date):
        return as_datetime(value) if isinstance(value, datetime) else value
    number = as_number(value)
    if number is not None:
        return number
    if isinstance(value, str):
        return as_date(value) if len(value.strip()) == 10 else as_datetime(value.strip())
    return None


def compile_condition(
    field: str, op: str, value: Any, multi_select: bool | None = None
) -> Predicate:
    """A predicate for one validated condition.

    `multi_select` says whether `field` is a multi-select picklist, when the org told us; with
    None, `contains` treats a value holding `;` as a list of elements and any other as text.
    """
    if op == "ne":
        return _negate(compile_condition(field, "eq", value), field)
    if op == "not_in":
        return _in(field, value, negate=True)
    if op in _ORDER:
        return _compare(field, _ORDER[op], _bound(value))
    if op == "between":
        return _between(field, _bound(value[0]), _bound(value[1]))
    if op == "contains":
        return shaped(_contains(field, _texts(value), multi_select), Shape("value", field))
    if op == "matches":
        return shaped(_matches(field, compile_pattern(value)), Shape("value", field))
    if op == "exists":
        return shaped(_exists(field), Shape("exists", field))
    if op == "missing":
        return shaped(_missing(field), Shape("missing", field))
    return _SIMPLE[op](field, value)


def _bound(value: Any) -> Bound:
    bound = bound_of(value)
    if bound is None:
        raise ValueError(f"{value!r} is not a number or date")
    return bound


def _missing(field: str) -> Predicate:
    def missing(fields: Fields) -> bool:
        got = fields.get(field)
        return got is None or (isinstance(got, str) and (got == "" or got.isspace()))

    return missing


def _exists(field: str) -> Predicate:
    """`not missing`, written out: one call per lead instead of two."""

    def exists(fields: Fields) -> bool:
        got = fields.get(field)
        return got is not None and (not isinstance(got, str) or (not got.isspace() and got != ""))

    return exists


def _negate(predicate: Predicate, field: str) -> Predicate:
    def negated(fields: Fields) -> bool:
        return not predicate(fields)

    inner = shape_of(predicate)
    if inner is None:
        return negated
    return shaped(negated, Shape("not", field, (inner, predicate)))


def _texts(value: Any) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    return tuple(str(item).casefold() for item in values)


def _eq(field: str, value: Any) -> Predicate:
    if isinstance(value, bool):
        return _eq_flag(field, value)
    if isinstance(value, date):
        bound = _bound(value)
        return _between(field, bound, bound)
    if isinstance(value, int | float):
        return _between_numbers(field, float(value), float(value))
    text = str(value).casefold()

    def equals(fields: Fields) -> bool:
        got = fields.get(field)
        return isinstance(got, str) and got.casefold() == text

    return shaped(equals, Shape("eq", field, (text,)))


def _eq_flag(field: str, value: bool) -> Predicate:
    """A checkbox arrives as a real boolean; only text ("true") needs reading."""

    def flag(fields: Fields) -> bool:
        got = fields.get(field)
        if got is True or got is False:
            return got is value
        return as_bool(got) is value

    return shaped(flag, Shape("flag", field, (value,)))


def _in(field: str, values: list[Any], negate: bool = False) -> Predicate:
    """Membership; `negate` gives `not_in` as one predicate rather than a wrapper around two."""
    texts = frozenset(str(v).casefold() for v in values if isinstance(v, str))
    numbers = frozenset(
        float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)
    )
    flags = frozenset(v for v in values if isinstance(v, bool))
    if not numbers and not flags:
        return _in_texts(field, texts, negate)
    member = shaped(_in_any(field, texts, numbers, flags), Shape("value", field))
    return _negate(member, field) if negate else member


def _in_texts(field: str, texts: frozenset[str], negate: bool) -> Predicate:
    """A list of texts only (the usual case): a non-text value is never a member."""
    shape = Shape("in", field, (texts, negate))
    if negate:
        return shaped(
            lambda fields: (
                not (isinstance(got := fields.get(field), str) and got.casefold() in texts)
            ),
            shape,
        )
    return shaped(
        lambda fields: isinstance(got := fields.get(field), str) and got.casefold() in texts, shape
    )


def _in_any(
    field: str, texts: frozenset[str], numbers: frozenset[float], flags: frozenset[bool]
) -> Predicate:

    def member(fields: Fields) -> bool:
        got = fields.get(field)
        if isinstance(got, str):
            if got.casefold() in texts:
                return True
            return (bool(numbers) and as_number(got) in numbers) or (
                bool(flags) and as_bool(got) in flags
            )
        if got is True or got is False:
            return got in flags
        kind = got.__class__
        return (kind is int or kind is float) and got in numbers

    return member


def _compare(field: str, cmp: Callable[[Any, Any], bool], bound: Bound) -> Predicate:
    if isinstance(bound, float):
        return _between_numbers(field, *_NUMBER_RANGE[cmp](bound))
    read = as_datetime if isinstance(bound, datetime) else as_date

    def moment(fields: Fields) -> bool:
        got = fields.get(field)
        if got is None:
            return False
        got = read(got)
        return got is not None and cmp(got, bound)

    return shaped(moment, Shape("value", field))


def _between(field: str, low: Bound, high: Bound) -> Predicate:
    if isinstance(low, float) and isinstance(high, float):
        return _between_numbers(field, low, high)
    read = as_datetime if isinstance(low, datetime) else as_date

    def moment(fields: Fields) -> bool:
        got = fields.get(field)
        if got is None:
            return False
        got = read(got)
        return got is not None and low <= got <= high  # type: ignore[operator]

    return shaped(moment, Shape("value", field))


def _between_numbers(field: str, low: float, high: float) -> Predicate:
    def numeric(fields: Fields) -> bool:
        got = fields.get(field)
        kind = got.__class__
        if kind is int or kind is float:
            return low <= got <= high  # type: ignore[operator]
        if kind is not str:
            return False
        number = as_number(got)
        return number is not None and low <= number <= high

    return shaped(numeric, Shape("range", field, (low, high)))


def _contains(field: str, targets: tuple[str, ...], multi_select: bool | None) -> Predicate:
    wanted = frozenset(targets)

    def contains(fields: Fields) -> bool:
        got = fields.get(field)
        if not isinstance(got, str):
            return False
        text = got.casefold()
        # Plain loops, not any(...): a generator per call costs more than the test itself.
        if multi_select or (multi_select is None and ";" in text):
            for element in text.split(";"):  # noqa: SIM110
                if element.strip() in wanted:
                    return True
            return False
        for target in targets:  # noqa: SIM110
            if target in text:
                return True
        return False

    return contains


def _starts_with(field: str, value: Any) -> Predicate:
    targets = _texts(value)
    return shaped(
        lambda fields: (
            isinstance(got := fields.get(field), str) and got.casefold().startswith(targets)
        ),
        Shape("prefix", field, (targets,)),
    )


def _ends_with(field: str, value: Any) -> Predicate:
    targets = _texts(value)
    return shaped(
        lambda fields: (
            isinstance(got := fields.get(field), str) and got.casefold().endswith(targets)
        ),
        Shape("suffix", field, (targets,)),
    )


def _matches(field: str, pattern: Pattern) -> Predicate:
    search = pattern.search

    def matches(fields: Fields) -> bool:
        got = fields.get(field)
        return isinstance(got, str) and not got.isspace() and got != "" and search(got) is not None

    return matches


_SIMPLE: dict[str, Callable[[str, Any], Predicate]] = {
    "eq": _eq,
    "in": _in,
    "starts_with": _starts_with,
    "ends_with": _ends_with,
}
