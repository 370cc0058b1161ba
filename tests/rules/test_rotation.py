"""Smooth weighted round robin and availability in `assign`: properties (hypothesis) and examples.

The SPEC asked for "within one of the weight share over any stretch". No deterministic order can
give that for every window (weights 1 and 2 over the window b, a: a gets 1, its share is 4/3), so
these tests pin the bound smooth weighted round robin really gives: less than one from the start
of a rotation (all credits zero), less than two over any window.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rules import AssignmentState, Roster, assign, parse_rules
from rules.availability import Absence, People
from rules.rotation import take_turn
from tests.rules.samples import QUEUE, RULES

REPS = [f"005000000000{n:03d}AAA" for n in range(11, 16)]
US: dict[str, Any] = {"Country": "US", "OwnerId": QUEUE}
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # a Wednesday, 10:00 in New York


def weighted_rules(weights: list[int], extra: str = "", cap: str = "") -> str:
    pool = ", ".join(f'{{user: "{REPS[i]}", weight: {w}}}' for i, w in enumerate(weights))
    text = RULES.replace("  max_open_mqls_per_owner: 2\n", cap + extra)
    return text.replace(
        '      pool: ["005000000000001AAA", "005000000000002AAA"]', f"      pool: [{pool}]"
    )


def roster(active: dict[str, bool] | None = None, people: People | None = None) -> Roster:
    return Roster(users=active or dict.fromkeys(REPS, True), lead_queues=[QUEUE], people=people)


weight_lists = st.lists(st.integers(1, 5), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(weights=weight_lists, turns=st.integers(1, 60))
def test_from_the_start_of_a_rotation_each_count_is_within_one_of_its_share(
    weights: list[int], turns: int
) -> None:
    members = [(REPS[i], w) for i, w in enumerate(weights)]
    credits: dict[str, int] = {}
    counts: Counter[str] = Counter()
    total = sum(weights)
    for n in range(1, turns + 1):
        counts[take_turn(members, credits, lambda _m: True, True) or ""] += 1
        for member, weight in members:
            assert abs(counts[member] - n * weight / total) < 1
    assert sum(credits.values()) == 0


@settings(max_examples=60, deadline=None)
@given(weights=weight_lists, skip=st.integers(0, 30), window=st.integers(1, 40))
def test_over_any_window_each_count_is_within_two_of_its_share(
    weights: list[int], skip: int, window: int
) -> None:
    members = [(REPS[i], w) for i, w in enumerate(weights)]
    credits: dict[str, int] = {}
    for _ in range(skip):
        take_turn(members, credits, lambda _m: True, True)
    counts = Counter(take_turn(members, credits, lambda _m: True, True) for _ in range(window))
    total = sum(weights)
    for member, weight in members:
        assert abs(counts[member] - window * weight / total) < 2


@settings(max_examples=60, deadline=None)
@given(weights=weight_lists, n=st.integers(1, 30), cut=st.integers(0, 30))
def test_a_batch_and_the_same_leads_one_by_one_agree(weights: list[int], n: int, cut: int) -> None:
    ruleset = parse_rules(weighted_rules(weights))
    leads = [(f"L{i}", US) for i in range(n)]
    batch, after = assign(ruleset, leads, AssignmentState(), roster())
    state, one_by_one = AssignmentState(), []
    for lead in leads:
        results, state = assign(ruleset, [lead], state, roster())
        one_by_one += results
    assert [r.owner_id for r in batch] == [r.owner_id for r in one_by_one]
    assert after == state


AVAILABILITY = """\
  availability:
    catch_up: {catch_up}
"""


@settings(max_examples=60, deadline=None)
@given(
    weights=st.lists(st.integers(1, 4), min_size=2, max_size=5),
    away=st.lists(st.booleans(), min_size=5, max_size=5),
    n=st.integers(1, 25),
    catch_up=st.booleans(),
)
def test_an_absent_member_never_gets_a_lead_while_someone_is_available(
    weights: list[int], away: list[bool], n: int, catch_up: bool
) -> None:
    ruleset = parse_rules(weighted_rules(weights, AVAILABILITY.format(catch_up=catch_up)))
    absent = [REPS[i] for i in range(len(weights)) if away[i]]
    people = People(now=NOW, absences=[Absence(r, NOW.replace(day=1), NOW.replace(day=9))
                                      for r in absent])  # fmt: skip
    results, _ = assign(ruleset, [(f"L{i}", US) for i in range(n)], AssignmentState(),
                        roster(people=people))  # fmt: skip
    if len(absent) == len(weights):
        assert all(r.held and r.owner_id is None for r in results)
        assert all(r.reason.startswith("no available owner (route 0;") for r in results)
    else:
        assert not {r.owner_id for r in results} & set(absent)


@settings(max_examples=40, deadline=None)
@given(
    weights=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    before=st.integers(0, 10),
    during=st.integers(1, 10),
    catch_up=st.booleans(),
)
def test_catch_up_keeps_an_absent_members_place_and_without_it_they_start_afresh(
    weights: list[int], before: int, during: int, catch_up: bool
) -> None:
    members = [(REPS[i], w) for i, w in enumerate(weights)]
    credits: dict[str, int] = {}
    for _ in range(before):
        take_turn(members, credits, lambda _m: True, catch_up)
    kept = credits.get(REPS[0], 0)
    for _ in range(during):
        assert take_turn(members, credits, lambda m: m != REPS[0], catch_up) != REPS[0]
    assert credits.get(REPS[0], 0) == (kept if catch_up else 0)


def test_weights_give_a_smooth_order_and_reordering_the_pool_keeps_the_credits() -> None:
    ruleset = parse_rules(weighted_rules([2, 1]))
    results, _state = assign(ruleset, [(f"L{i}", US) for i in range(6)], AssignmentState(),
                            roster())  # fmt: skip
    assert [r.owner_id for r in results] == [REPS[0], REPS[1], REPS[0]] * 2
    assert results[0].reason == f"owner {REPS[0]} (route 0, weight 2)"
    reordered = parse_rules(
        weighted_rules([2, 1]).replace(
            f'{{user: "{REPS[0]}", weight: 2}}, {{user: "{REPS[1]}", weight: 1}}',
            f'{{user: "{REPS[1]}", weight: 1}}, {{user: "{REPS[0]}", weight: 2}}',
        )
    )
    assert reordered.routes[0].pool_key == ruleset.routes[0].pool_key


def test_the_explanation_names_who_was_skipped_and_why() -> None:
    ruleset = parse_rules(weighted_rules([2, 1], AVAILABILITY.format(catch_up="true")))
    people = People(
        now=NOW,
        names={REPS[0]: "Sam Lee", REPS[1]: "Jane Doe"},
        absences=[Absence(REPS[0], datetime(2026, 12, 1, tzinfo=UTC),
                          datetime(2026, 12, 9, tzinfo=UTC), "holiday")],
    )  # fmt: skip
    (result,), _ = assign(ruleset, [("L1", US)], AssignmentState(), roster(people=people))
    assert result.reason == (
        "owner Jane Doe (route 0, weight 1; Sam Lee out of office until 2026-12-09)"
    )


def test_a_long_list_of_skipped_members_is_cut_to_255_characters_and_kept_whole_in_detail() -> None:
    many = [f"005000000000{n:03d}AAA" for n in range(100, 130)]
    pool = ", ".join(f'"{m}"' for m in many)
    text = RULES.replace("  max_open_mqls_per_owner: 2\n", AVAILABILITY.format(catch_up="true"))
    text = text.replace('["005000000000001AAA", "005000000000002AAA"]', f"[{pool}]")
    text = text.replace('    - pool: ["00G000000000001EAA"]\n', "")
    ruleset = parse_rules(text)
    people = People(now=NOW, absences=[Absence(m, NOW.replace(day=1), NOW.replace(day=20))
                                      for m in many])  # fmt: skip
    (result,), _ = assign(ruleset, [("L1", US)], AssignmentState(),
                          Roster(users=dict.fromkeys(many, True), people=people))  # fmt: skip
    assert result.held
    assert len(result.reason) <= 255
    assert "more skipped" in result.reason
    assert all(m in result.detail for m in many)


def test_next_route_sends_the_lead_on_and_hold_keeps_it() -> None:
    people = People(now=NOW, absences=[Absence(r, NOW.replace(day=1), NOW.replace(day=9))
                                      for r in REPS])  # fmt: skip
    extra = "  availability:\n    when_none_available: {how}\n"
    held = parse_rules(weighted_rules([1, 1], extra.format(how="hold")))
    (result,), _ = assign(held, [("L1", US)], AssignmentState(), roster(people=people))
    assert result.held
    assert result.route == 0
    assert result.owner_id is None
    onward = parse_rules(weighted_rules([1, 1], extra.format(how="next_route")))
    (result,), _ = assign(onward, [("L1", US)], AssignmentState(), roster(people=people))
    assert result.owner_id == QUEUE
    assert result.route == 1


def test_the_cap_counts_as_unavailable() -> None:
    ruleset = parse_rules(weighted_rules([1, 1], AVAILABILITY.format(catch_up="true"),
                                         cap="  max_open_mqls_per_owner: 1\n"))  # fmt: skip
    state = AssignmentState(open_mqls={REPS[0]: 1})
    (first, second), _ = assign(ruleset, [("A", US), ("B", US)], state, roster(people=People(NOW)))
    assert first.owner_id == REPS[1]
    assert second.held
    assert "at cap" in second.reason


@settings(max_examples=40, deadline=None)
@given(
    weights=st.lists(st.integers(1, 4), min_size=2, max_size=5),
    away=st.lists(st.booleans(), min_size=5, max_size=5),
    n=st.integers(1, 20),
    catch_up=st.booleans(),
    cap=st.integers(1, 6),
)
def test_with_availability_and_a_cap_a_batch_and_one_by_one_agree(
    weights: list[int], away: list[bool], n: int, catch_up: bool, cap: int
) -> None:
    text = weighted_rules(weights, AVAILABILITY.format(catch_up=catch_up),
                          cap=f"  max_open_mqls_per_owner: {cap}\n")  # fmt: skip
    ruleset = parse_rules(text)
    people = People(now=NOW, absences=[Absence(REPS[i], NOW.replace(day=1), NOW.replace(day=9))
                                      for i in range(len(weights)) if away[i]])  # fmt: skip
    leads = [(f"L{i}", US) for i in range(n)]
    batch, after = assign(ruleset, leads, AssignmentState(), roster(people=people))
    state, one_by_one = AssignmentState(), []
    for lead in leads:
        results, state = assign(ruleset, [lead], state, roster(people=people))
        one_by_one += results
    assert [(r.owner_id, r.held) for r in batch] == [(r.owner_id, r.held) for r in one_by_one]
    assert after == state
    assert all(r.owner_id is None or r.owner_id == QUEUE or after.open_mqls[r.owner_id] <= cap
               for r in batch)  # fmt: skip
