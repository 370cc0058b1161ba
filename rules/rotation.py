"""Smooth weighted round robin over the available members of one pool.

Each member holds a credit. At every turn each available member's credit grows by its weight,
the member with the most credit takes the lead (ties: the earlier in the pool), and its credit
falls by the total weight of the members that took part. This is nginx's "smooth weighted round
robin": with weights 2 and 1 the order is a, b, a, a, b, a, ... rather than a, a, b.

The bound it gives, stated exactly (the SPEC's "less than one over any stretch" is not achievable
for every set of weights; with 5,4,3,2,1 a 28-turn window gives the weight-5 member 8 leads
against 9.33; see tests/rules/test_rotation.py): from a point where
every credit is zero (a new pool, or after a whole rotation of `total weight` turns with the
same members available), each member's count after n turns differs from n * weight / total by
less than one; over any window of turns, not starting at such a point, by less than two.

Credits are data that come in and go out (`Credits`), keyed by member, so reordering a pool in the
rules file changes nothing, and the app stores them per pool. An unavailable member takes no part
in a turn: with `catch_up` it keeps its credit (its place in the rotation) for when it returns;
without, its credit is cleared to zero (it comes back neither ahead nor behind).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

Credits = Mapping[str, int]


def take_turn(
    members: Sequence[tuple[str, int]],
    credits: dict[str, int],
    available: Callable[[str], bool],
    catch_up: bool,
) -> str | None:
    """Pick the next member of `members` ((Id, weight) in pool order); update `credits` in place.

    Returns None, and changes nothing but the cleared credits of absent members without
    `catch_up`, when nobody is available.
    """
    taking: list[tuple[str, int]] = []
    for member, weight in members:
        if available(member):
            taking.append((member, weight))
        elif not catch_up:
            credits.pop(member, None)
    if not taking:
        return None
    total = 0
    best: str | None = None
    best_credit = 0
    for member, weight in taking:
        credit = credits.get(member, 0) + weight
        credits[member] = credit
        total += weight
        if best is None or credit > best_credit:
            best, best_credit = member, credit
    assert best is not None
    credits[best] = best_credit - total
    return best


def expected_share(members: Sequence[tuple[str, int]], turns: int) -> dict[str, float]:
    """How many of `turns` leads each member gets by weight, all of them available."""
    total = sum(weight for _, weight in members) or 1
    return {member: turns * weight / total for member, weight in members}
