"""Who takes an MQL whose SLA was breached: the next member of its route who never held it.

A breach reassignment serves the lead's own route (the first whose conditions match), in that
pool's turn, skipping queues, inactive users, full users and everyone who held the lead before,
so a lead never bounces back to the rep who let it sit. The turn it uses is the pool's round-robin
position, which comes in and goes out as data like `assign`'s.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from rules.assign import Assignment, AssignmentState, Roster
from rules.ids import is_queue, to18
from rules.ruleset import CompiledRoute, RuleSet

NOBODY_NEW = "nobody on the lead's route who has not held it is active and under the cap"


def lead_route(ruleset: RuleSet, fields: Mapping[str, Any]) -> CompiledRoute | None:
    """The route a lead with these fields belongs to: the first whose conditions all match."""
    for route in ruleset.routes:
        if all(test(fields) for test in route.conditions):
            return route
    return None


def breach_reassignment(
    ruleset: RuleSet,
    lead_id: str,
    fields: Mapping[str, Any],
    holders: Collection[str],
    state: AssignmentState,
    roster: Roster,
) -> tuple[Assignment, AssignmentState]:
    """The new owner for a breached lead, and the state after taking that turn.

    `holders` are every owner the lead has had, the current one included.
    """
    route = lead_route(ruleset, fields)
    if route is None:
        return Assignment(lead_id, None, None, "no route matches"), state
    held = frozenset(to18(owner) for owner in holders)
    active = frozenset(to18(user) for user, on in roster.users.items() if on)
    cap = ruleset.model.assignment.max_open_mqls_per_owner
    pool = route.pool
    start = state.positions.get(route.pool_key, 0) % len(pool)
    for offset in range(len(pool)):
        index = (start + offset) % len(pool)
        member = pool[index]
        if is_queue(member) or member in held or member not in active:
            continue
        if cap is not None and state.open_mqls.get(member, 0) >= cap:
            continue
        positions = {**state.positions, route.pool_key: (index + 1) % len(pool)}
        counts = {**state.open_mqls, member: state.open_mqls.get(member, 0) + 1}
        reason = f"routes[{route.index}] next member who has not held it"
        return Assignment(lead_id, member, route.index, reason), AssignmentState(positions, counts)
    return Assignment(lead_id, None, route.index, NOBODY_NEW), state
