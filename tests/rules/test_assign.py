"""Owner assignment: routes in order, round robin, skips, caps, kept owners, persisted turns."""

from __future__ import annotations

from typing import Any

from rules import Assignment, AssignmentState, Roster, assign, parse_rules
from tests.rules.samples import (
    INTEGRATION_USER,
    MARKETO_USER,
    QUEUE,
    REP_1,
    REP_2,
    REP_3,
    RULES,
)

RULESET = parse_rules(RULES)  # US leads -> [REP_1, REP_2] (cap 2), everyone else -> QUEUE
ROSTER = Roster(
    users={REP_1: True, REP_2: True, REP_3: True, MARKETO_USER: True, INTEGRATION_USER: True},
    lead_queues=[QUEUE],
    integration_user_id=INTEGRATION_USER,
)
US: dict[str, Any] = {"Country": "US", "OwnerId": QUEUE}
ELSEWHERE: dict[str, Any] = {"Country": "France", "OwnerId": QUEUE}


def owners(results: list[Assignment]) -> list[str | None]:
    return [result.owner_id for result in results]


def test_first_matching_route_serves_its_pool_round_robin() -> None:
    leads = [(f"L{n}", US) for n in range(3)] + [("L9", ELSEWHERE)]
    results, state = assign(RULESET, leads, AssignmentState(), ROSTER)
    assert owners(results) == [REP_1, REP_2, REP_1, QUEUE]
    assert [r.route for r in results] == [0, 0, 0, 1]
    assert results[0].reason == f"owner {REP_1} (route 0)"
    assert state.positions[RULESET.routes[0].pool_key] == 1
    assert state.open_mqls == {REP_1: 2, REP_2: 1}


def test_full_owners_are_skipped_and_a_full_pool_falls_to_the_next_matching_route() -> None:
    state = AssignmentState(open_mqls={REP_1: 2})
    results, after = assign(RULESET, [("A", US), ("B", US), ("C", US)], state, ROSTER)
    assert owners(results) == [REP_2, REP_2, QUEUE]  # REP_2 fills up at 2; the queue takes the rest
    assert after.open_mqls == {REP_1: 2, REP_2: 2}


def test_when_every_matching_pool_is_full_the_lead_stays_unassigned() -> None:
    only_us = parse_rules(RULES.replace(f'    - pool: ["{QUEUE}"]\n', ""))
    state = AssignmentState(open_mqls={REP_1: 2, REP_2: 2})
    results, after = assign(only_us, [("A", US), ("B", ELSEWHERE)], state, ROSTER)
    assert [(r.lead_id, r.owner_id, r.route, r.reason) for r in results] == [
        ("A", None, None, "every member of every matching pool is full or inactive"),
        ("B", None, None, "no route matches"),
    ]
    assert after.open_mqls == {REP_1: 2, REP_2: 2}


def test_inactive_users_and_queues_not_taking_leads_are_skipped() -> None:
    roster = Roster(users={REP_1: False, REP_2: True}, lead_queues=[])
    results, _ = assign(
        RULESET, [("A", US), ("B", US), ("C", ELSEWHERE)], AssignmentState(), roster
    )
    assert owners(results) == [REP_2, REP_2, None]


def test_queues_are_never_capped() -> None:
    leads = [(f"L{n}", ELSEWHERE) for n in range(5)]
    results, after = assign(RULESET, leads, AssignmentState(open_mqls={QUEUE: 99}), ROSTER)
    assert owners(results) == [QUEUE] * 5
    assert after.open_mqls == {QUEUE: 99}


def test_an_active_user_keeps_the_lead_and_takes_no_turn() -> None:
    leads = [("A", {"Country": "US", "OwnerId": REP_3}), ("B", US)]
    results, after = assign(RULESET, leads, AssignmentState(), ROSTER)
    assert results[0] == Assignment("A", REP_3, None, "kept its owner, an active user")
    assert results[1].owner_id == REP_1  # REP_1's turn was not used up by A
    assert after.open_mqls == {REP_3: 1, REP_1: 1}


def test_kept_owner_is_matched_on_15_character_ids() -> None:
    results, _ = assign(RULESET, [("A", {"OwnerId": REP_3[:15]})], AssignmentState(), ROSTER)
    assert results[0].owner_id == REP_3


def test_placeholder_and_inactive_owners_are_not_kept() -> None:
    roster = Roster(users={**ROSTER.users, REP_3: False}, lead_queues=[QUEUE],
                    integration_user_id=INTEGRATION_USER[:15])  # fmt: skip
    leads = [
        ("integration", {"Country": "US", "OwnerId": INTEGRATION_USER}),
        ("reassign_from", {"Country": "US", "OwnerId": MARKETO_USER}),
        ("inactive", {"Country": "US", "OwnerId": REP_3}),
        ("queue", {"Country": "US", "OwnerId": QUEUE}),
    ]
    results, _ = assign(RULESET, leads, AssignmentState(), roster)
    assert owners(results) == [REP_1, REP_2, REP_1, REP_2]
    assert all(result.route == 0 for result in results)


def test_keep_owner_off_routes_every_lead() -> None:
    ruleset = parse_rules(RULES.replace("keep_owner_if_user: true", "keep_owner_if_user: false"))
    results, _ = assign(
        ruleset, [("A", {"Country": "US", "OwnerId": REP_3})], AssignmentState(), ROSTER
    )
    assert owners(results) == [REP_1]


def test_turns_carry_over_between_calls_through_the_state() -> None:
    first, state = assign(RULESET, [("A", US)], AssignmentState(), ROSTER)
    second, _ = assign(RULESET, [("B", US)], state, ROSTER)
    assert owners(first + second) == [REP_1, REP_2]


def test_the_input_state_is_left_alone() -> None:
    state = AssignmentState(positions={}, open_mqls={REP_1: 0})
    assign(RULESET, [("A", US)], state, ROSTER)
    assert state == AssignmentState(positions={}, open_mqls={REP_1: 0})


def test_reordering_routes_keeps_each_pools_position() -> None:
    _, state = assign(RULESET, [("A", US)], AssignmentState(), ROSTER)
    text = RULES.replace(
        '    - when: [{field: Country, op: in, value: ["US", "USA"]}]\n'
        f'      pool: ["{REP_1}", "{REP_2}"]\n',
        "",
    ).replace(
        f'    - pool: ["{QUEUE}"]\n',
        f'    - when: [{{field: Country, op: eq, value: US}}]\n      pool: ["{REP_1}", "{REP_2}"]\n'
        f'    - pool: ["{QUEUE}"]\n',
    )
    reordered = parse_rules(text)
    results, _ = assign(reordered, [("B", US)], state, ROSTER)
    assert owners(results) == [REP_2]
