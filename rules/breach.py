"""Who takes an MQL whose SLA was breached: the next member of its route who never held it.

A breach reassignment serves the lead's own route (the first whose conditions match), in that
pool's turn, skipping queues, inactive users, full users and everyone who held the lead before,
so a lead never bounces back to the rep who let it sit. The turn it uses is the pool's round-robin
position, which comes in and goes out as data like `assign`'s.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from rules.accounts import AccountIndex
from rules.assign import Assignment, AssignmentState, Roster, new_turns, state_of
from rules.availability import Unavailable, describe
from rules.ids import is_queue, to18
from rules.rotation import take_turn
from rules.ruleset import CompiledRoute, RuleSet

NOBODY_NEW = "nobody on the lead's route who has not held it is available and under the cap"


def lead_route(
    ruleset: RuleSet, fields: Mapping[str, Any], accounts: AccountIndex | None = None
) -> CompiledRoute | None:
    """The route a lead with these fields belongs to: the first whose conditions all match."""
    account = None
    matching = ruleset.model.assignment.match_accounts
    if accounts is not None and matching is not None:
        match = accounts.match(fields, matching.by)
        if match is not None:
            account = {"OwnerId": match.account.owner_id, **match.account.fields}
    for route in ruleset.routes:
        if route.matches(fields, account):
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

    `holders` are every owner the lead has had, the current one included. With
    `assignment.availability`, members out of office or off shift are passed over too.
    """
    route = lead_route(ruleset, fields, roster.accounts)
    if route is None or not route.pool:
        return Assignment(lead_id, None, None, "no route matches"), state
    held = frozenset(to18(owner) for owner in holders)
    turns = new_turns(ruleset, state, roster)
    pool = route.pool
    start = state.positions.get(route.pool_key, 0) % len(pool)
    order = [pool[(start + offset) % len(pool)] for offset in range(len(pool))]
    skipped: list[Unavailable] = []

    def eligible(member: str) -> bool:
        if is_queue(member) or member in held:
            return False
        why = turns.unavailable(member)
        if why is not None:
            skipped.append(why)
        return why is None

    member: str | None = None
    if route.weighted:  # one smooth weighted turn among those who may take it
        credits = turns.credits.setdefault(route.pool_key, {})
        member = take_turn(route.members, credits, eligible, catch_up=True)
    else:
        for candidate in order:
            if eligible(candidate):
                member = candidate
                turns.positions[route.pool_key] = (pool.index(candidate) + 1) % len(pool)
                break
    if member is not None:
        turns.count(member)
        reason = f"routes[{route.index}] next member who has not held it"
        if skipped:
            reason = f"{reason}; {describe(skipped, roster.people)}"[:255]
        after = state_of(turns)
        return Assignment(lead_id, member, route.index, reason, skipped=tuple(skipped)), after
    return Assignment(lead_id, None, route.index, NOBODY_NEW, skipped=tuple(skipped)), state
