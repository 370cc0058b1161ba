"""`assign`: owners for leads, routes in order, each pool served round robin.

The round-robin position of each pool and the open-MQL count of each owner come in and go out as
data (`AssignmentState`), which the app stores, so turns stay fair across runs and restarts. The
state after a batch is exactly the state after the same leads one by one: nothing else is kept.
Pools are keyed by their members, so reordering routes keeps each pool's place in its turn.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rules.ids import is_queue, to18
from rules.owners import is_placeholder_owner
from rules.ruleset import CompiledRoute, RuleSet

KEPT = "kept its owner, an active user"
NO_ROUTE = "no route matches"
ALL_FULL = "every member of every matching pool is full or inactive"


@dataclass(frozen=True, slots=True)
class AssignmentState:
    """Next round-robin index per pool key, and open MQLs per owner (18-character Ids)."""

    positions: Mapping[str, int] = field(default_factory=dict)
    open_mqls: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Roster:
    """Who can take leads now: users with their active flag, queues that take Leads."""

    users: Mapping[str, bool]
    lead_queues: Collection[str] = ()
    integration_user_id: str | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """The owner for one lead; `owner_id` None means unassigned, and `reason` says why."""

    lead_id: str
    owner_id: str | None
    route: int | None
    reason: str


@dataclass(slots=True)
class _Turns:
    """The working copy of the state and the roster for one call, Ids normalised once."""

    positions: dict[str, int]
    counts: dict[str, int]
    active: frozenset[str]
    queues: frozenset[str]
    cap: int | None

    def take(self, route: CompiledRoute) -> str | None:
        """The next member of the route's pool who can take a lead, advancing its turn."""
        pool = route.pool
        start = self.positions.get(route.pool_key, 0) % len(pool)
        for step in range(len(pool)):
            index = (start + step) % len(pool)
            member = pool[index]
            if self._available(member):
                self.positions[route.pool_key] = (index + 1) % len(pool)
                return member
        return None

    def _available(self, member: str) -> bool:
        if is_queue(member):
            return member in self.queues
        if member not in self.active:
            return False
        return self.cap is None or self.counts.get(member, 0) < self.cap

    def count(self, owner: str) -> None:
        if not is_queue(owner):
            self.counts[owner] = self.counts.get(owner, 0) + 1


def assign(
    ruleset: RuleSet,
    leads: Sequence[tuple[str, Mapping[str, Any]]],
    state: AssignmentState,
    roster: Roster,
) -> tuple[list[Assignment], AssignmentState]:
    """Owners for `leads` (lead Id, fields including OwnerId) in order, and the state after them.

    A lead owned by an active user keeps that owner and takes no turn when `keep_owner_if_user`
    is on, unless the owner is a queue, the integration user or a `reassign_from` user. Otherwise
    the first route whose conditions all match serves it; when every member of its pool is
    inactive or at the cap, the next matching route is tried, and a lead no pool can take stays
    unassigned rather than break the cap. Queues are never capped. Every user given a lead, kept
    or routed, has one more open MQL in the returned state.
    """
    turns = _Turns(
        positions=dict(state.positions),
        counts={to18(owner): n for owner, n in state.open_mqls.items()},
        active=frozenset(to18(user) for user, active in roster.users.items() if active),
        queues=frozenset(to18(queue) for queue in roster.lead_queues),
        cap=ruleset.model.assignment.max_open_mqls_per_owner,
    )
    results = [_assign_one(ruleset, lead_id, fields, turns, roster) for lead_id, fields in leads]
    return results, AssignmentState(positions=turns.positions, open_mqls=turns.counts)


def _assign_one(
    ruleset: RuleSet, lead_id: str, fields: Mapping[str, Any], turns: _Turns, roster: Roster
) -> Assignment:
    owner = fields.get("OwnerId")
    if (
        ruleset.model.assignment.keep_owner_if_user
        and isinstance(owner, str)
        and to18(owner) in turns.active
        and not is_placeholder_owner(ruleset, owner, roster.integration_user_id)
    ):
        turns.count(to18(owner))
        return Assignment(lead_id, to18(owner), None, KEPT)
    matched = False
    for route in ruleset.routes:
        if all(test(fields) for test in route.conditions):
            matched = True
            member = turns.take(route)
            if member is not None:
                turns.count(member)
                return Assignment(lead_id, member, route.index, f"{route.title} in turn")
    return Assignment(lead_id, None, None, ALL_FULL if matched else NO_ROUTE)
