"""`matches` patterns, compiled with RE2 so a match takes time linear in the field's length.

Lead fields come from web forms, so outsiders write the text a pattern runs over. Python's `re`
backtracks: `(a+)+$` over 28 `a` and a `!` holds the interpreter for half a minute, and every
extra character doubles that. RE2 never backtracks (google-re2, measured in the README: about
5 µs a match whatever the input, against 0.5 µs for `re` on friendly input and unbounded on
hostile input), so no match needs a time budget. The price is RE2's syntax: no backreferences
and no lookaround, and `\\Z` is written `\\z`; a pattern that uses them is refused when the file
is checked, with that said.

Nested quantifiers still earn a warning from `rules check`: they are harmless here, but a sign
the pattern says something other than what was meant, and dangerous wherever else it is reused.
"""

from __future__ import annotations

import re

# Python's regex parser (`sre_parse` before 3.11), for the shape of a pattern only.
import re._parser as _sre
from typing import Any, Protocol

import re2
from re2 import _re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # the problem goes to the admin as an Issue, not to stderr
_OPTIONS.never_capture = True  # a predicate asks only whether there is a match
_UNANCHORED = _re2.RE2.Anchor.UNANCHORED


class Pattern(Protocol):
    """What a predicate needs of a compiled pattern."""

    def search(self, text: str) -> tuple[int, int] | None: ...


class LinearPattern:
    """A compiled RE2 program, searched through the binding itself.

    google-re2's `re`-like wrapper decodes offsets and builds match objects on every call, which
    costs ten times the search on a short field; a rule asks only whether the pattern occurs, so
    the program's `Match` is called directly (about 5 µs a field against 50 µs, under load).
    """

    __slots__ = ("_program",)

    def __init__(self, program: Any) -> None:
        self._program = program

    def search(self, text: str) -> tuple[int, int] | None:
        """The byte span of the first match in `text`, or None."""
        encoded = text.encode("utf-8", "surrogatepass")
        span: tuple[int, int] = self._program.Match(_UNANCHORED, encoded, 0, len(encoded))[0]
        return None if span[0] == -1 else span


def compile_pattern(pattern: str) -> Pattern:
    """`pattern` compiled by RE2; raises `ValueError` saying why when RE2 cannot run it."""
    try:
        compiled = re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        raise ValueError(_reason(exc, pattern)) from None
    return LinearPattern(compiled._regexp)


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be a `matches` value, or None when it can."""
    try:
        compile_pattern(pattern)
    except ValueError as exc:
        return str(exc)
    return None


def _reason(exc: Exception, pattern: str) -> str:
    """RE2's message, less the copy of the pattern it ends with, plus what to do instead."""
    detail = exc.args[0] if exc.args else ""
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    text = text.removesuffix(f": {pattern}")
    hint = ""
    if "invalid escape sequence: \\Z" in text:
        hint = " (write \\z for the end of the text)"
    elif "invalid escape sequence: \\" in text or "invalid perl operator: (?" in text:
        hint = " (backreferences and lookaround are not supported: matches run in linear time)"
    return f"{text}{hint}"


def has_nested_quantifier(pattern: str) -> bool:
    """True when a repeated part holds an unbounded repeat (`(a+)+`, `(?:x+y?){2,}`): ReDoS's shape.

    Read with Python's own regex parser; a pattern it cannot read (RE2-only syntax) is not judged.
    """
    try:
        parsed = _sre.parse(pattern)
    except (re.error, OverflowError, RecursionError):
        return False
    return _nested(parsed, inside_repeat=False)


_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT)


def _nested(items: Any, *, inside_repeat: bool) -> bool:
    for op, arg in items:
        if op in _REPEATS:
            _low, high, body = arg
            if inside_repeat and high == _sre.MAXREPEAT:
                return True
            children, repeated = [body], inside_repeat or high > 1
        else:
            children, repeated = _children(op, arg), inside_repeat
        if any(_nested(child, inside_repeat=repeated) for child in children):
            return True
    return False


def _children(op: Any, arg: Any) -> list[Any]:
    """The sub-patterns inside a group or an alternation; none for anything else."""
    if op == _sre.SUBPATTERN:
        return [arg[-1]]
    if op == _sre.BRANCH:
        return list(arg[1])
    return []
