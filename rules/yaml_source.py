"""YAML 1.2 text -> plain Python data plus the line of every key and list item.

ruamel.yaml's round-trip loader keeps line numbers, which is what lets every error name its line.
Two deliberate departures from the bare loader: the result is converted to plain dicts, lists and
scalars (so nothing downstream depends on ruamel types), and an integer written with a leading
zero (`0012`) stays the string it was written as, since in a rules file that is a postal code or
an account number, never the number 12.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.parser import RoundTripParser

from rules.issues import FILE_PLACE, Issue, Path
from rules.yaml_limits import LimitWatcher, check_size

_LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+")


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that keeps zero-padded integers as text."""

    def construct_yaml_int(self, node: ScalarNode) -> Any:
        if isinstance(node.value, str) and _LEADING_ZERO.fullmatch(node.value):
            return node.value
        return super().construct_yaml_int(node)


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)


class _Parser(RoundTripParser):
    """The round-trip parser, each event checked against the limits before it is composed."""

    def __init__(self, loader: Any) -> None:
        super().__init__(loader)
        self._watcher = LimitWatcher()

    def get_event(self) -> Any:
        event = super().get_event()
        self._watcher.see(event)
        return event


class YamlSyntaxError(Exception):
    """The text is not YAML; `issue` says where the parser gave up."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def load(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse `text`; return the data and a map from each path to its 1-based line.

    Raises `RulesLimitExceeded` for what a rules file may not hold (aliases, merge keys, other
    tags, deep nesting, too many items or bytes), before any of it is built.
    """
    check_size(text)
    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _Constructor
    yaml.Parser = _Parser
    try:
        document = yaml.load(text)
    except YAMLError as exc:
        raise YamlSyntaxError(_syntax_issue(exc)) from None
    lines: dict[Path, int] = {(): 1}
    return _plain(document, (), lines), lines


def _syntax_issue(exc: YAMLError) -> Issue:
    mark = exc.problem_mark if isinstance(exc, MarkedYAMLError) else None
    line = mark.line + 1 if mark is not None else None
    problem = exc.problem if isinstance(exc, MarkedYAMLError) and exc.problem else str(exc)
    context = exc.context if isinstance(exc, MarkedYAMLError) and exc.context else ""
    message = f"{context}: {problem}" if context else problem
    return Issue(line, FILE_PLACE, f"not valid YAML: {message}")


def _plain(node: Any, path: Path, lines: dict[Path, int]) -> Any:
    """Copy `node` into plain Python values, recording the line of each key and item."""
    if isinstance(node, CommentedMap):
        result: dict[Any, Any] = {}
        for key, value in node.items():
            child = (*path, str(key))
            lines[child] = node.lc.key(key)[0] + 1
            result[str(key)] = _plain(value, child, lines)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            lines[child] = node.lc.item(index)[0] + 1
            items.append(_plain(value, child, lines))
        return items
    return _plain_scalar(node)


def _plain_scalar(value: Any) -> Any:
    """ruamel's scalar subclasses (ScalarInt, TimeStamp, ...) as the builtin types they extend."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, TaggedScalar):  # an explicit core tag, such as `!!str 7`
        return value.value
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, datetime):
        return datetime(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            value.tzinfo,
        )
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    return value


def line_of(lines: Mapping[Path, int], path: Path) -> int:
    """The line of `path`, or of its nearest ancestor that has one (a missing key's parent)."""
    while path not in lines:
        path = path[:-1]
    return lines[path]
