"""Rules files are data, never a program: the limits a rules text must keep before it is loaded.

YAML can describe far more than a rules file needs, and some of it costs without bound: an alias
repeats a whole subtree (nine aliases of nine aliases, seven levels deep, is 340 bytes that expand
to gigabytes), a merge key (`<<`) does the same and breaks the plain-data shape, a tag such as
`!!python/object/apply` asks for objects, and deep nesting or a huge list costs time and stack.
A rules file needs none of these, so every parser event is checked before it is composed (the
parser is iterative, the composer recursive), and the first breach is reported with its line.
The numbers are the README's limit table; change them together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    Event,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
)

from rules.issues import FILE_PLACE, Issue

MAX_RULES_BYTES = 256 * 1024
MAX_DEPTH = 16
MAX_ITEMS = 2_000

# The tags of YAML's core schema; anything else (`!!python/...`, `!local`) names a type to build.
_SAFE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)


_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep; a rules file needs far fewer"
_FLOW_RUN = re.compile(r"[\[{](?:\s*[\[{]){" + str(MAX_DEPTH) + "}")


class RulesLimitExceeded(Exception):
    """The text breaks one of the limits; `issue` says which, and where."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


@dataclass
class _Open:
    """A mapping or sequence being read: how many nodes it holds so far."""

    is_mapping: bool
    nodes: int = 0

    @property
    def items(self) -> int:
        """Entries so far (a mapping's key counts once its value is read)."""
        return self.nodes // 2 if self.is_mapping else self.nodes

    @property
    def at_key(self) -> bool:
        return self.is_mapping and self.nodes % 2 == 0


def check_size(text: str) -> None:
    """Refuse text over `MAX_RULES_BYTES`, or opening flow collections deeper than `MAX_DEPTH`.

    The second is a fast path: a run of `[[[[...` makes the YAML scanner look ahead at every
    bracket for a key that might follow, which costs quadratic time before the first event.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_RULES_BYTES:
        line = text[:MAX_RULES_BYTES].count("\n") + 1
        _refuse(line, f"the file is {size} bytes; a rules file holds at most {MAX_RULES_BYTES}")
    deep = _FLOW_RUN.search(text)
    if deep is not None:
        _refuse(text[: deep.start()].count("\n") + 1, _TOO_DEEP)


class LimitWatcher:
    """Sees every parser event before it is composed; raises at the first breach."""

    def __init__(self) -> None:
        self._open: list[_Open] = []

    def see(self, event: Event) -> None:
        if isinstance(event, NodeEvent):
            _check_node(event, self._open)
        if isinstance(event, CollectionStartEvent):
            self._open.append(_Open(is_mapping=isinstance(event, MappingStartEvent)))
            if len(self._open) > MAX_DEPTH:
                _refuse(_line(event), _TOO_DEEP)
        elif isinstance(event, CollectionEndEvent):
            self._open.pop()


def _check_node(event: NodeEvent, stack: list[_Open]) -> None:
    if isinstance(event, AliasEvent) or event.anchor is not None:
        _refuse(_line(event), "aliases are not allowed in rules files")
    tag = getattr(event, "tag", None)
    if tag is not None and str(tag) not in _SAFE_TAGS:
        _refuse(_line(event), f"the tag {tag} is not allowed in rules files")
    if not stack:
        return
    parent = stack[-1]
    if parent.at_key and isinstance(event, ScalarEvent) and _is_merge_key(event):
        _refuse(_line(event), "merge keys (<<) are not allowed in rules files")
    parent.nodes += 1
    if parent.items > MAX_ITEMS:
        kind = "keys in a mapping" if parent.is_mapping else "items in a list"
        _refuse(_line(event), f"more than {MAX_ITEMS} {kind}; a rules file holds at most that")


def _is_merge_key(event: ScalarEvent) -> bool:
    return event.value == "<<" and event.style is None and event.tag is None


def _line(event: Event) -> int:
    mark = event.start_mark
    return int(mark.line) + 1 if mark is not None else 1


def _refuse(line: int, message: str) -> None:
    raise RulesLimitExceeded(Issue(line, FILE_PLACE, message))
