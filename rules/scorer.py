"""One generated Python function per rules file that scores a lead: fit, interest, disqualify.

`decide` used to call one predicate per rule, so a 15-rule file cost 15 Python calls per lead
before any work was done. The scorer is the same rules written out as one function: each field
is read once and case-folded once, simple tests (text equality and membership, prefixes and
suffixes, numeric ranges, checkboxes, blanks) are inline expressions, and tests whose answer
depends only on a text value (patterns, `contains`, dates and numbers held in text) are asked
once per distinct value and remembered, since a picklist or a title repeats across many leads.

It is fed by the compiled rules, not the YAML: a predicate the operators registered a shape for
is written inline, and any other predicate (a new operator, another regex engine, a condition
that reads more than one field) is called as it is, so what the compiler does not know still
gives the reference's answer. `rules.decide_reference` keeps the rule-by-rule loop, and the
tests check both agree on every lead.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rules.ruleset import CompiledRule

Fields = Mapping[str, Any]
Predicate = Callable[[Fields], bool]
# (fit, interest, matched rules in order, first disqualifying rule or None)
Score = tuple[int, int, tuple[Any, ...], Any]
Scorer = Callable[[Fields], Score]

# Distinct text values remembered per memoised test; past it, new values are computed each time.
MEMO_LIMIT = 65_536


@dataclass(frozen=True, slots=True)
class Shape:
    """What a predicate tests, for writing it inline: `kind` over `field`, with `args`.

    Kinds: `in` (casefolded text in a set; args: the set, negate), `eq` (casefolded text),
    `prefix` / `suffix` (a tuple of casefolded texts), `range` (an int or float within
    [low, high], text values asked of the predicate), `flag` (a real boolean is the value;
    text asked of the predicate), `exists`, `missing`, `value` (the answer depends only on the
    field's value: text answers are remembered), `not` (args: the inner shape and predicate).
    """

    kind: str
    field: str
    args: tuple[Any, ...] = ()


_SHAPES: weakref.WeakKeyDictionary[Callable[..., bool], Shape] = weakref.WeakKeyDictionary()


def shaped(predicate: Predicate, shape: Shape) -> Predicate:
    """Register what `predicate` tests, so the scorer may write it inline; returns it."""
    _SHAPES[predicate] = shape
    return predicate


def shape_of(predicate: Predicate) -> Shape | None:
    """The shape registered for `predicate`, if any."""
    return _SHAPES.get(predicate)


def _remember(memo: dict[str, bool], test: Predicate, fields: Fields, value: str) -> bool:
    answer = test(fields)
    if len(memo) < MEMO_LIMIT:
        memo[value] = answer
    return answer


class _Writer:
    """Builds the scorer's source and the names it refers to."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {"_remember": _remember, "_str": str}
        self.reads: dict[str, int] = {}
        self.folded: set[int] = set()

    def constant(self, value: Any) -> str:
        name = f"K{len(self.names)}"
        self.names[name] = value
        return name

    def field(self, name: str) -> int:
        if name not in self.reads:
            self.reads[name] = len(self.reads)
        return self.reads[name]

    def expression(self, test: Predicate, shape: Shape | None) -> str:
        """A Python expression for the rule's test, over `fields` and the field locals."""
        if shape is None:
            return f"{self.constant(test)}(fields)"
        if shape.kind == "not":
            inner_shape, inner_test = shape.args
            return f"not ({self.expression(inner_test, inner_shape)})"
        index = self.field(shape.field)
        v, t, c = f"v{index}", f"t{index}", f"c{index}"
        kind, args = shape.kind, shape.args
        if kind in ("in", "eq", "prefix", "suffix"):
            self.folded.add(index)
            if kind == "in":
                return f"{t} {'not in' if args[1] else 'in'} {self.constant(args[0])}"
            if kind == "eq":
                return f"{t} == {self.constant(args[0])}"
            method = "startswith" if kind == "prefix" else "endswith"
            return f"({t} is not None and {t}.{method}({self.constant(args[0])}))"
        if kind == "exists":
            return f"({v} is not None and ({c} is not _str or ({v} != '' and not {v}.isspace())))"
        if kind == "missing":
            return f"({v} is None or ({c} is _str and ({v} == '' or {v}.isspace())))"
        memo = self._memo(test, v)
        if kind == "range":
            low, high = self.constant(args[0]), self.constant(args[1])
            return (
                f"((({c} is int or {c} is float) and {low} <= {v} <= {high})"
                f" or ({c} is _str and {memo}))"
            )
        if kind == "flag":
            wanted = "True" if args[0] else "False"
            call = f"{self.constant(test)}(fields)"
            return f"({v} is {wanted} if ({v} is True or {v} is False) else {call})"
        if kind == "value":
            return f"({memo} if {c} is _str else {self.constant(test)}(fields))"
        return f"{self.constant(test)}(fields)"

    def _memo(self, test: Predicate, v: str) -> str:
        memo, call = self.constant({}), self.constant(test)
        return f"({memo}[{v}] if {v} in {memo} else _remember({memo}, {call}, fields, {v}))"


def compile_scorer(
    fit: Sequence[CompiledRule],
    interest: Sequence[CompiledRule],
    disqualify: Sequence[CompiledRule],
) -> Scorer:
    """The generated scoring function for these rules (see the module's docstring)."""
    writer = _Writer()
    body: list[str] = []
    for section, rules in (("fit", fit), ("interest", interest)):
        for rule in rules:
            test = writer.expression(rule.test, shape_of(rule.test))
            body += [f"    if {test}:", f"        {section} += {rule.points}",
                     f"        matched.append({writer.constant(rule)})"]  # fmt: skip
    body.append("    disqualified = None")
    keyword = "if"
    for rule in disqualify:
        test = writer.expression(rule.test, shape_of(rule.test))
        body += [f"    {keyword} {test}:", f"        disqualified = {writer.constant(rule)}"]
        keyword = "elif"
    head = ["def score(fields):", "    get = fields.get", "    fit = interest = 0",
            "    matched = []"]  # fmt: skip
    for name, index in writer.reads.items():
        head += [f"    v{index} = get({name!r})", f"    c{index} = v{index}.__class__"]
        if index in writer.folded:
            head.append(f"    t{index} = v{index}.casefold() if c{index} is _str else None")
    tail = ["    return fit, interest, tuple(matched), disqualified"]
    source = "\n".join(head + body + tail) + "\n"
    namespace = dict(writer.names)
    exec(compile(source, "<rules scorer>", "exec"), namespace)
    scorer: Scorer = namespace["score"]
    return scorer
