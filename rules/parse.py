"""`parse_rules`: rules text in, a compiled `RuleSet` out, or every error in the file at once.

Two passes look at the same data: the pydantic model checks shape (keys, types, required parts)
and `checks` checks meaning (operators, values, Ids, statuses, reachable thresholds). When both
speak about one place, the message of meaning wins, because it says what to write instead.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from rules.checks import meaning_problems
from rules.issues import FILE_PLACE, Issue, Path, RulesInvalid, place_of
from rules.model import RulesFile
from rules.ruleset import RuleSet, compile_rules
from rules.yaml_limits import RulesLimitExceeded
from rules.yaml_source import YamlSyntaxError, line_of, load

_TOP_KEYS = ", ".join(RulesFile.model_fields)


def parse_rules(text: str, multi_select: frozenset[str] | None = None) -> RuleSet:
    """Parse, validate and compile rules text; raise `RulesInvalid` listing every error.

    `multi_select` names the org's multi-select picklist fields, when known, so that `contains`
    tests their elements and does a text search on every other field.
    """
    try:
        data, lines = load(text)
    except (YamlSyntaxError, RulesLimitExceeded) as exc:
        raise RulesInvalid([exc.issue]) from None
    if not isinstance(data, dict):
        raise RulesInvalid(
            [Issue(1, FILE_PLACE, f"a rules file is a mapping with keys {_TOP_KEYS}")]
        )
    found = dict(meaning_problems(data))
    meaning = list(found)
    model: RulesFile | None = None
    try:
        model = RulesFile.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            path, message = _shape_problem(error, data)
            # A union's other branch ("{user: ..} is not text") says less than a problem of
            # meaning inside the same item (its weight): keep only the one that helps.
            if any(len(q) > len(path) and q[: len(path)] == path for q in meaning):
                continue
            found.setdefault(path, message)
    if found or model is None:
        issues = [Issue(line_of(lines, path), place_of(path), msg) for path, msg in found.items()]
        raise RulesInvalid(sorted(issues, key=lambda issue: (issue.line or 0, issue.place)))
    return compile_rules(model, text, lines, multi_select)


def _shape_problem(error: ErrorDetails, data: dict[str, Any]) -> tuple[Path, str]:
    """A pydantic error as (path, message), its path cut to what exists in the file."""
    kind, given = error["type"], error.get("input")
    if kind == "missing":  # the place that exists, and the key it lacks (no union tags)
        return (*_existing(tuple(error["loc"])[:-1], data), error["loc"][-1]), (
            "required key is missing"
        )
    path = _existing(tuple(error["loc"]), data)
    if path == ("version",):
        return path, f"{given!r} is not a version: write a whole number or text"
    if kind == "extra_forbidden":
        return path, _unknown_key(str(path[-1]))
    template = _MESSAGES.get(kind)
    return path, template.format(given=given) if template else error["msg"]


def _existing(loc: Path, data: Any) -> Path:
    """The longest prefix of `loc` present in `data` (drops pydantic's union-member tags)."""
    path: Path = ()
    for part in loc:
        in_map = isinstance(data, dict) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and part < len(data)
        if not (in_map or in_list):
            break
        data = data[part]
        path = (*path, part)
    return path


def _unknown_key(key: str) -> str:
    known = _all_keys(RulesFile)
    close = difflib.get_close_matches(key, known, n=1) or [k for k in known if k.startswith(key)]
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key {key!r}{hint}"


def _all_keys(model: type[BaseModel]) -> list[str]:
    keys = list(model.model_fields)
    for info in model.model_fields.values():
        for inner in _models_in(info.annotation):
            keys += _all_keys(inner)
    return keys


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]


_MESSAGES = {
    "int_type": "{given!r} is not a whole number",
    "float_type": "{given!r} is not a number",
    "bool_type": "{given!r} is not true or false",
    "string_type": "{given!r} is not text",
    "list_type": "{given!r} is not a list",
    "model_type": "{given!r} is not a mapping of keys",
    "too_short": "needs at least one item",
    "string_too_short": "must not be empty",
    "string_too_long": "{given!r} is too long",
    "string_pattern_mismatch": "{given!r} is not a 15 or 18 character Salesforce Id",
}
