"""The generated scorer against the rule-by-rule reference: the same decision on every lead."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rules import DecisionContext, LeadFacts, decide, decide_reference, parse_rules
from rules.scorer import MEMO_LIMIT, Shape, compile_scorer, shape_of
from tests.rules.samples import OPEN

# One condition per operator family and value kind the operators shape (and some they do not).
CONDITIONS = [
    "{field: A, op: eq, value: Software}",
    "{field: A, op: ne, value: Software}",
    "{field: A, op: in, value: [US, usa, 3]}",
    "{field: A, op: not_in, value: [US, Canada]}",
    "{field: A, op: not_in, value: [1, true, x]}",
    "{field: B, op: gte, value: 100}",
    "{field: B, op: lt, value: 3.5}",
    "{field: B, op: eq, value: 120}",
    "{field: B, op: between, value: [1, 10]}",
    "{field: B, op: ne, value: 3}",
    "{field: C, op: starts_with, value: [Test, sample]}",
    "{field: C, op: ends_with, value: '@gmail.com'}",
    "{field: C, op: contains, value: [analytics, crm]}",
    "{field: C, op: matches, value: '(?i)\\b(vp|director)\\b'}",
    "{field: D, op: eq, value: true}",
    "{field: D, op: ne, value: false}",
    "{field: D, op: exists}",
    "{field: D, op: missing}",
    "{field: E, op: gte, value: 2026-01-01}",
    "{field: E, op: between, value: [2025-06-01, 2026-06-30]}",
    "{field: E, op: lt, value: '2026-03-01T10:00:00Z'}",
    "{field: E, op: eq, value: 2026-02-14}",
]
TEXTS = ["US", "usa", "Software", "SOFTWARE", "3", "120", "3.0", "1e2", "x", "true", "FALSE",
         "Test Co", "a@GMAIL.com", "Analytics;CRM", "crm", "VP Sales", "director of it", " ",
         "2026-02-14", "2025-11-30", "2026-03-01T10:00:00.000+0000", "2026-13-01",
         "nan"]  # fmt: skip
values = st.one_of(
    st.none(), st.just(""), st.booleans(), st.integers(-5, 5000),
    st.sampled_from([0.5, 3.5, 100.0]),
    st.floats(allow_nan=False), st.sampled_from(TEXTS), st.text(max_size=6),
)  # fmt: skip
leads = st.fixed_dictionaries({}, optional=dict.fromkeys("ABCDE", values))


@lru_cache(maxsize=256)
def rules_for(fit: tuple[int, ...], interest: tuple[int, ...], disqualify: tuple[int, ...]) -> Any:
    def section(indices: tuple[int, ...], points: bool) -> str:
        items = [CONDITIONS[i][:-1] + (f", points: {5 + i}}}" if points else "}") for i in indices]
        return "[" + ", ".join(items) + "]"

    return parse_rules(
        f"version: 1\nstatuses: {{mql: MQL, eligible_from: ['{OPEN}']}}\n"
        f"fit: {section(fit, True)}\ninterest: {section(interest, True)}\n"
        f"disqualify: {section(disqualify, False)}\n"
        f"thresholds: {{fit: {5 if fit else 0}, interest: 0}}\n"
        "assignment: {routes: [{pool: ['005000000000001AAA']}]}\n"
    )


picks = st.lists(st.integers(0, len(CONDITIONS) - 1), max_size=6).map(tuple)


@settings(max_examples=400, deadline=None)
@given(fit=picks, interest=picks, disqualify=picks, fields=leads)
def test_the_scorer_decides_as_the_reference(
    fit: tuple[int, ...], interest: tuple[int, ...], disqualify: tuple[int, ...],
    fields: dict[str, Any],
) -> None:  # fmt: skip
    ruleset = rules_for(fit, interest, disqualify)
    lead = LeadFacts(fields=fields, status=OPEN)
    context = DecisionContext()
    for _ in range(2):  # the second time answers from what the scorer remembered
        assert decide(ruleset, lead, context) == decide_reference(ruleset, lead, context)


def test_every_operator_family_is_written_inline_or_remembered() -> None:
    ruleset = rules_for(tuple(range(len(CONDITIONS))), (), ())
    kinds = {shape.kind for rule in ruleset.fit if (shape := shape_of(rule.test)) is not None}
    assert kinds >= {"eq", "not", "in", "value", "range", "prefix", "suffix", "flag"}
    assert kinds | {"exists", "missing"} == kinds


def test_an_unknown_predicate_is_called_as_it_is() -> None:
    calls: list[dict[str, Any]] = []

    def account_is_big(fields: Any) -> bool:
        calls.append(dict(fields))
        return True

    ruleset = rules_for((0,), (), ())
    rule = ruleset.fit[0]
    other = type(rule)(place="fit[1]", label="account", points=7, test=account_is_big)
    score = compile_scorer((rule, other), (), ())

    assert score({"A": "software"}) == (5 + 7, 0, (rule, other), None)
    assert calls == [{"A": "software"}]


def test_remembered_answers_stop_growing_at_the_limit() -> None:
    ruleset = rules_for((13,), (), ())
    seen = [f"VP {n}" for n in range(MEMO_LIMIT + 10)]
    for title in seen:
        assert ruleset.score({"C": title})[0] == 18
    memo = next(v for v in ruleset.score.__globals__.values() if isinstance(v, dict) and v)
    assert len(memo) == MEMO_LIMIT
    assert Shape("value", "C") == shape_of(ruleset.fit[0].test)
