"""Whether a condition's value suits its operator, with a message an admin can act on.

These checks run on the raw YAML data, before the typed model exists, so that a file with a bad
operator in one rule and a bad regex in another reports both. Each problem comes with the path
below the condition where it sits (`("value",)` or `("value", 1)`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rules.issues import Path
from rules.operators import OPERATORS, bound_of
from rules.patterns import pattern_problem

Problem = tuple[Path, str]

_SCALAR_HINT = "text, a number, true/false or a date"


def operator_problems(op: Any, value: Any, has_value: bool) -> list[Problem]:
    """Every problem with `op` and `value` (`has_value` tells an absent value from `null`)."""
    if not isinstance(op, str) or op not in OPERATORS:
        return [(("op",), f"unknown operator {op!r}; use one of {', '.join(OPERATORS)}")]
    if op in ("exists", "missing"):
        return [(("value",), f"{op} takes no value")] if has_value else []
    if not has_value or value is None:
        return [(("value",), f"{op} needs a value")]
    return _CHECKS[op](op, value)


def _scalar(op: str, value: Any) -> list[Problem]:
    if isinstance(value, list):
        return [(("value",), f"{op} compares one value; use in or not_in for a list")]
    return [(("value",), message)] if (message := _scalar_problem(value)) else []


def _scalar_problem(value: Any) -> str | None:
    if isinstance(value, str) and not value.strip():
        return "empty text never matches; use missing to test for a blank field"
    if not isinstance(value, str | int | float | bool) and bound_of(value) is None:
        return f"{value!r} is not {_SCALAR_HINT}"
    return None


def _members(op: str, value: Any) -> list[Problem]:
    if not isinstance(value, list) or not value:
        return [(("value",), f"{op} needs a list of one or more values, such as [US, Canada]")]
    problems: list[Problem] = []
    for index, item in enumerate(value):
        if isinstance(item, list | dict | date):
            problems.append((("value", index), f"{item!r} is not text, a number or true/false"))
        elif (message := _scalar_problem(item)) is not None:
            problems.append((("value", index), message))
    return problems


def _ordered(op: str, value: Any) -> list[Problem]:
    if isinstance(value, list | dict) or bound_of(value) is None:
        return [(("value",), f"{value!r} is not a number ({op} compares numbers or dates)")]
    return []


def _between(_op: str, value: Any) -> list[Problem]:
    if not isinstance(value, list) or len(value) != 2:
        return [(("value",), "between needs a list of two values, [low, high]")]
    problems = [p for index, item in enumerate(value) for p in _ordered_item(index, item)]
    if problems:
        return problems
    low, high = bound_of(value[0]), bound_of(value[1])
    if type(low) is not type(high):
        return [(("value",), "between needs two numbers or two dates, not one of each")]
    if low > high:  # type: ignore[operator]
        return [(("value",), f"low {value[0]!r} is above high {value[1]!r}; nothing can match")]
    return []


def _ordered_item(index: int, item: Any) -> list[Problem]:
    if isinstance(item, list | dict) or bound_of(item) is None:
        return [(("value", index), f"{item!r} is not a number (between compares numbers or dates)")]
    return []


def _texts(op: str, value: Any) -> list[Problem]:
    items = value if isinstance(value, list) else [value]
    if not items:
        return [(("value",), f"{op} needs text or a list of one or more texts")]
    problems: list[Problem] = []
    for index, item in enumerate(items):
        where: Path = ("value", index) if isinstance(value, list) else ("value",)
        if not isinstance(item, str):
            problems.append((where, f"{item!r} is not text ({op} compares text)"))
        elif not item.strip():
            problems.append((where, f"empty text; {op} needs something to look for"))
    return problems


def _regex(_op: str, value: Any) -> list[Problem]:
    if not isinstance(value, str):
        return [(("value",), f"{value!r} is not text; matches needs a regular expression")]
    problem = pattern_problem(value)
    return [(("value",), f"bad regex {value!r}: {problem}")] if problem else []


_CHECKS = {
    "eq": _scalar,
    "ne": _scalar,
    "in": _members,
    "not_in": _members,
    "gt": _ordered,
    "gte": _ordered,
    "lt": _ordered,
    "lte": _ordered,
    "between": _between,
    "contains": _texts,
    "starts_with": _texts,
    "ends_with": _texts,
    "matches": _regex,
}
