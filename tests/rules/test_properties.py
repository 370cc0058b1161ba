"""Properties the SPEC promises, over generated leads, rules and rosters."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rules import AssignmentState, DecisionContext, LeadFacts, Roster, assign, decide
from rules import parse_rules as parse_uncached
from tests.rules.samples import INTEGRATION_USER, MARKETO_USER, OPEN, QUEUE, REP_1, REP_2, REP_3

REPS = [REP_1, REP_2, REP_3]
CONTEXT = DecisionContext(integration_user_id=INTEGRATION_USER)
parse_rules = lru_cache(maxsize=512)(parse_uncached)  # the same texts recur across examples

field_values = st.one_of(
    st.none(), st.just(""), st.integers(-5, 5000), st.floats(allow_nan=False),
    st.booleans(), st.sampled_from(["US", "usa", "VP Sales", "Director", "120", "x", "3"]),
    st.text(max_size=8),
)  # fmt: skip
leads = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys(
        ("NumberOfEmployees", "Title", "Country", "LeadSource", "Visits__c", "Email"), field_values
    ),
)
CONDITIONS = [
    "{field: NumberOfEmployees, op: gte, value: 100",
    "{field: Title, op: matches, value: '(?i)vp|director'",
    "{field: Country, op: in, value: [US, USA]",
    "{field: LeadSource, op: ne, value: Webinar",
    "{field: Visits__c, op: between, value: [1, 10]",
    "{field: Email, op: exists",
]


def rules_text(points: list[int], fit_threshold: int, interest_threshold: int, cap: str) -> str:
    fit = "".join(
        f"  - {c}, points: {p}}}\n" for c, p in zip(CONDITIONS[:3], points[:3], strict=True)
    )
    interest = "".join(
        f"  - {c}, points: {p}}}\n" for c, p in zip(CONDITIONS[3:], points[3:], strict=True)
    )
    return (
        f"version: 1\nstatuses: {{mql: MQL, eligible_from: ['{OPEN}']}}\n"
        f"fit:\n{fit}interest:\n{interest}"
        f"thresholds: {{fit: {fit_threshold}, interest: {interest_threshold}}}\n"
        "disqualify: [{field: Email, op: ends_with, value: '@gmail.com'}]\n"
        f"assignment:\n  {cap}reassign_from: ['{MARKETO_USER}']\n  routes:\n"
        "    - when: [{field: Country, op: in, value: [US, USA]}]\n"
        f"      pool: ['{REP_1}', '{REP_2}', '{REP_3}']\n"
        f"    - pool: ['{REP_2}', '{QUEUE}']\n"
    )


@st.composite
def rule_texts(draw: st.DrawFn, cap: str = "") -> str:
    points = draw(st.lists(st.integers(-20, 40), min_size=6, max_size=6))
    best_fit = sum(p for p in points[:3] if p > 0)
    best_interest = sum(p for p in points[3:] if p > 0)
    fit_threshold = draw(st.integers(-20, best_fit))
    interest_threshold = draw(st.integers(-20, best_interest))
    return rules_text(points, fit_threshold, interest_threshold, cap)


@settings(max_examples=60, deadline=None)
@given(text=rule_texts(), fields=leads, status=st.sampled_from([OPEN, "MQL", "Working"]))
def test_deciding_is_deterministic(text: str, fields: dict[str, Any], status: str) -> None:
    lead = LeadFacts(fields=fields, status=status)
    first = decide(parse_uncached(text), lead, CONTEXT)
    second = decide(parse_uncached(text), lead, CONTEXT)
    assert (first.mql, first.held, first.fit, first.interest) == (
        second.mql, second.held, second.fit, second.interest,
    )  # fmt: skip
    assert [r.place for r in first.matched] == [r.place for r in second.matched]
    assert first.explain() == second.explain()


@settings(max_examples=100, deadline=None)
@given(
    points=st.lists(st.integers(-20, 40), min_size=6, max_size=6),
    slack=st.tuples(st.integers(0, 30), st.integers(0, 30)),
    fields=leads,
    extra=st.integers(0, 50),
    pick=st.integers(0, 5),
)
def test_adding_points_to_a_matched_rule_never_undoes_an_mql(
    points: list[int], slack: tuple[int, int], fields: dict[str, Any], extra: int, pick: int
) -> None:
    lead = LeadFacts(fields=fields, status=OPEN)
    scored = decide(parse_rules(rules_text(points, -100, -100, cap="")), lead, CONTEXT)
    thresholds = (scored.fit - slack[0], scored.interest - slack[1])
    decision = decide(parse_rules(rules_text(points, *thresholds, cap="")), lead, CONTEXT)
    assume(decision.mql and decision.matched)
    rule = decision.matched[pick % len(decision.matched)]
    index = int(rule.place[-2]) + (3 if rule.place.startswith("interest") else 0)
    more = [p + extra if i == index else p for i, p in enumerate(points)]
    assert decide(parse_rules(rules_text(more, *thresholds, cap="")), lead, CONTEXT).mql


countries = st.sampled_from(["US", "USA", "France", None])
owners = st.sampled_from([QUEUE, INTEGRATION_USER, MARKETO_USER, *REPS])
lead_batches = st.lists(
    st.tuples(countries, owners).map(lambda t: {"Country": t[0], "OwnerId": t[1]}),
    max_size=40,
)
states = st.builds(
    AssignmentState,
    positions=st.just({}),
    open_mqls=st.dictionaries(st.sampled_from(REPS), st.integers(0, 4)),
)


@settings(max_examples=100, deadline=None)
@given(batch=lead_batches, start=st.integers(0, 2))
def test_round_robin_is_fair_while_nobody_is_capped_or_inactive(
    batch: list[dict[str, Any]], start: int
) -> None:
    ruleset = parse_rules(rules_text([1] * 6, 0, 0, cap=""))
    roster = Roster(users=dict.fromkeys(REPS, True), lead_queues=[QUEUE])
    us_pool = ruleset.routes[0].pool_key
    leads_in = [(f"L{n}", {**fields, "OwnerId": QUEUE}) for n, fields in enumerate(batch)]
    results, _ = assign(ruleset, leads_in, AssignmentState(positions={us_pool: start}), roster)
    for route in ruleset.routes:
        counts = Counter(r.owner_id for r in results if r.route == route.index)
        per_member = [counts.get(member, 0) for member in route.pool]
        assert max(per_member) - min(per_member) <= 1


@settings(max_examples=100, deadline=None)
@given(
    batch=lead_batches,
    state=states,
    cap=st.integers(1, 4),
    active=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_no_owner_ever_exceeds_the_cap(
    batch: list[dict[str, Any]], state: AssignmentState, cap: int, active: list[bool]
) -> None:
    ruleset = parse_rules(rules_text([1] * 6, 0, 0, cap=f"max_open_mqls_per_owner: {cap}\n  "))
    roster = Roster(users=dict(zip(REPS, active, strict=True)), lead_queues=[QUEUE],
                    integration_user_id=INTEGRATION_USER)  # fmt: skip
    leads_in = [(f"L{n}", {**fields, "OwnerId": QUEUE}) for n, fields in enumerate(batch)]
    results, after = assign(ruleset, leads_in, state, roster)
    for rep in REPS:
        routed = sum(1 for r in results if r.owner_id == rep)
        if routed:
            assert after.open_mqls[rep] <= cap
            assert roster.users[rep]


@settings(max_examples=100, deadline=None)
@given(
    batch=lead_batches, state=states, cap=st.sampled_from(["", "max_open_mqls_per_owner: 2\n  "])
)
def test_a_batch_gives_the_same_result_as_one_by_one(
    batch: list[dict[str, Any]], state: AssignmentState, cap: str
) -> None:
    ruleset = parse_rules(rules_text([1] * 6, 0, 0, cap=cap))
    roster = Roster(users={REP_1: True, REP_2: False, REP_3: True, MARKETO_USER: True},
                    lead_queues=[QUEUE], integration_user_id=INTEGRATION_USER)  # fmt: skip
    leads_in = [(f"L{n}", fields) for n, fields in enumerate(batch)]
    together, state_together = assign(ruleset, leads_in, state, roster)
    one_by_one = []
    for lead in leads_in:
        results, state = assign(ruleset, [lead], state, roster)
        one_by_one += results
    assert together == one_by_one
    assert state_together == state
