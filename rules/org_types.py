"""Does a condition's operator and value suit the type of the org's field?

Describe types fall into families: text (which also holds numbers, "numbers held in strings"),
numbers, booleans and moments. A picklist value the org does not know is only a warning: the
condition is valid, it just cannot match until someone adds the value.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from rules.issues import Path, Severity
from rules.model import Condition
from rules.operators import bound_of

if TYPE_CHECKING:
    from rules.org import LeadField

TEXT = frozenset(
    {"string", "textarea", "email", "phone", "url", "picklist", "multipicklist", "combobox",
     "id", "reference", "encryptedstring"}
)  # fmt: skip
NUMBER = frozenset({"int", "double", "currency", "percent", "long"})
MOMENT = frozenset({"date", "datetime"})
BOOLEAN = frozenset({"boolean"})
_TEXT_OPS = frozenset({"contains", "starts_with", "ends_with", "matches"})
_EQUALITY_OPS = frozenset({"eq", "ne", "in", "not_in"})

Found = tuple[Path, str, Severity]


def value_type_problem(condition: Condition, field: LeadField) -> list[Found]:
    """Errors (and picklist warnings) for one condition against the field it names."""
    op, kind, name = condition.op, field.type, condition.field
    if op in ("exists", "missing"):
        return []
    if op in _TEXT_OPS:
        if kind in TEXT:
            return []
        return [(("op",), f"{name} is a {kind} field; {op} needs a text field", "error")]
    values = condition.value if isinstance(condition.value, list) else [condition.value]
    problems: list[Found] = []
    for index, value in enumerate(values):
        where: Path = ("value", index) if isinstance(condition.value, list) else ("value",)
        family = _family(value)
        if family not in _ACCEPTS[kind if kind in _ACCEPTS else "string"]:
            message = f"{value!r} is {family}, but {name} is a {kind} field"
            problems.append((where, message, "error"))
        elif op in _EQUALITY_OPS and kind in NUMBER and family == "a number in text":
            # eq and in compare text as text; quoted, "100" would never equal the number 100.
            message = f"{value!r} is text, but {name} is a {kind} field; write it without quotes"
            problems.append((where, message, "error"))
        elif op in _EQUALITY_OPS and _unknown_choice(value, field):
            warning = f"{value!r} is not a value of the {name} picklist in this org"
            problems.append((where, warning, "warning"))
    return problems


def _family(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, str) and bound_of(value) is not None and not _is_number_text(value):
        return "a date"
    return "text" if not _is_number_text(value) else "a number in text"


def _is_number_text(value: Any) -> bool:
    return isinstance(value, str) and isinstance(bound_of(value), float)


def _unknown_choice(value: Any, field: LeadField) -> bool:
    if field.type not in ("picklist", "multipicklist") or not field.picklist_values:
        return False
    known = {choice.casefold() for choice in field.picklist_values}
    return isinstance(value, str) and value.casefold() not in known


_ACCEPTS: dict[str, frozenset[str]] = {
    **{kind: frozenset({"text", "a number", "a number in text", "a date"}) for kind in TEXT},
    **{kind: frozenset({"a number", "a number in text"}) for kind in NUMBER},
    **{kind: frozenset({"a date"}) for kind in MOMENT},
    **{kind: frozenset({"true/false"}) for kind in BOOLEAN},
}
