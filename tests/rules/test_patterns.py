"""`matches` runs in linear time (RE2): a hostile field cannot stall a sync or a simulation."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import RulesInvalid, parse_rules
from rules.operators import compile_condition
from rules.patterns import compile_pattern, has_nested_quantifier, pattern_problem
from tests.rules.samples import RULES


@pytest.mark.parametrize("length", [28, 5_000, 131_072])
def test_a_catastrophic_pattern_over_a_hostile_title_completes_as_no_match(length: int) -> None:
    # With `re` the 28-character case takes about 30 s and each character doubles it; the
    # pytest timeout fails this test long before the longer ones could finish.
    matches = compile_condition("Title", "matches", "(a+)+$")
    assert matches({"Title": "a" * length + "!"}) is False
    assert matches({"Title": "a" * length}) is True


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(a)\\1", "invalid escape sequence: \\1 (backreferences and lookaround are not supported"),
        ("(?=x)y", "invalid perl operator: (?= (backreferences and lookaround are not supported"),
        ("end\\Z", "invalid escape sequence: \\Z (write \\z for the end of the text)"),
        ("(vp", "missing )"),
    ],
)
def test_what_re2_cannot_run_is_refused_with_what_to_do(pattern: str, reason: str) -> None:
    problem = pattern_problem(pattern)
    assert problem is not None
    assert problem.startswith(reason)
    assert pattern not in problem.removeprefix(reason)


def test_a_refused_pattern_is_a_placed_error_in_the_file() -> None:
    text = RULES.replace('"(?i)\\\\b(vp|director)\\\\b"', "'(a)\\1'")
    assert text != RULES
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(text)
    assert [(i.line, i.place) for i in caught.value.issues] == [(9, "fit[1].value")]


@pytest.mark.parametrize(
    ("pattern", "nested"),
    [
        ("(a+)+$", True),
        ("(\\w*\\s?)*", True),
        ("(?:x+y?){2,}", True),
        ("(a|b+)*", True),
        ("(?i)\\b(vp|director)\\b", False),
        ("a+b*", False),
        ("(ab)+", False),
        ("[a+]+", False),
        ("\\p{Greek}+", False),
    ],
)
def test_nested_quantifiers_are_recognised(pattern: str, nested: bool) -> None:
    assert has_nested_quantifier(pattern) is nested


_PIECES = st.sampled_from(["a", "b", "ab", "[ab]", ".", "a*", "B+", "(a|b)", "^", "$", "\\d"])


@given(
    pieces=st.lists(_PIECES, min_size=1, max_size=5).map("".join),
    flags=st.sampled_from(["", "(?i)", "(?s)", "(?m)"]),
    # One known difference is left out: Python's `$` also matches before a final newline, RE2's
    # only at the very end (its `\z`); the docs for `matches` say so.
    text=st.text(alphabet="abAB1 \n", max_size=12).filter(lambda t: not t.endswith("\n")),
)
def test_re2_finds_what_python_re_finds_for_the_syntax_both_share(
    pieces: str, flags: str, text: str
) -> None:
    pattern = flags + pieces
    expected = re.search(pattern, text) is not None
    assert (compile_pattern(pattern).search(text) is not None) is expected
