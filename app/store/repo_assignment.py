"""The assignment state that outlives a run: round-robin positions, weighted pools' credits
(with the admins' ledger adjustments) and open-MQL counts.

The rules engine takes them as data and hands positions and credits back; this module is where
they are read from and written to the store. Positions and credits are saved in the same
transaction as the decisions that used them, so a crash either keeps both or neither and a pool
never skips or repeats a turn. Dry runs read them but never save them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.store.models import Lead, LedgerAdjustment, PoolCredit, RoundRobin, RoundRobinShadow
from rules import AssignmentState, RuleSet


def _table(shadow: bool) -> type[RoundRobin] | type[RoundRobinShadow]:
    """Shadow runs keep their turns apart, so going live starts where the live pools stood."""
    return RoundRobinShadow if shadow else RoundRobin


def load_positions(session: Session, *, shadow: bool = False) -> dict[str, int]:
    """Every pool's next position, keyed as the rules engine keys its pools."""
    table = _table(shadow)
    rows = session.execute(select(table.pool_key, table.position))
    return {str(key): int(position) for key, position in rows}


def save_positions(
    session: Session, positions: Mapping[str, int], now: datetime, *, shadow: bool = False
) -> None:
    """Store the positions the engine handed back (add and flush; the caller commits)."""
    table = _table(shadow)
    rows: list[Any] = list(session.scalars(select(table)))
    stored = {row.pool_key: row for row in rows}
    for key, position in positions.items():
        row = stored.get(key)
        if row is None:
            session.add(table(pool_key=key, position=position, updated_at=now))
        elif row.position != position:
            row.position = position
            row.updated_at = now
    session.flush()


def open_mql_counts(session: Session) -> dict[str, int]:
    """Open MQLs per owner, as the pull keeps them on the leads, for the capacity cap."""
    rows = session.execute(
        select(Lead.owner_id, func.count())
        .where(Lead.is_open_mql.is_(True), Lead.owner_id.is_not(None))
        .group_by(Lead.owner_id)
    )
    return {owner: count for owner, count in rows if owner is not None}


# Shadow runs keep their weighted credits apart too, under this prefix of the pool key.
SHADOW_CREDITS = "shadow:"


def load_credits(session: Session, *, shadow: bool = False) -> dict[str, dict[str, int]]:
    """The weighted pools' credits: pool key -> member -> credit."""
    found: dict[str, dict[str, int]] = {}
    for key, member, credit in session.execute(
        select(PoolCredit.pool_key, PoolCredit.member, PoolCredit.credit)
    ):
        key = str(key)
        if key.startswith(SHADOW_CREDITS) != shadow:
            continue
        found.setdefault(key.removeprefix(SHADOW_CREDITS), {})[str(member)] = int(credit)
    return found


def save_credits(
    session: Session,
    credits: Mapping[str, Mapping[str, int]],
    now: datetime,
    *,
    shadow: bool = False,
) -> None:
    """Store the credits the engine handed back (add and flush; the caller commits)."""
    if shadow:
        credits = {SHADOW_CREDITS + key: members for key, members in credits.items()}
    stored = {(row.pool_key, row.member): row for row in session.scalars(select(PoolCredit))}
    for key, members in credits.items():
        for member, credit in members.items():
            row = stored.pop((key, member), None)
            if row is None:
                session.add(PoolCredit(pool_key=key, member=member, credit=credit,
                                       updated_at=now))  # fmt: skip
            elif row.credit != credit:
                row.credit = credit
                row.updated_at = now
        for (pool, _member), row in list(stored.items()):
            if pool == key:  # cleared by the engine (an absent member without catch_up)
                session.delete(row)
    session.flush()


def apply_adjustments(
    session: Session, ruleset: RuleSet, credits: dict[str, dict[str, int]], now: datetime
) -> None:
    """Add the admins' pending credits and debits of turns to the pools' credits, once.

    One turn is the pool's total weight of credit: a member credited one turn comes up one
    lead sooner. Adjustments of pools the rules no longer have wait for them to come back.
    """
    totals = {route.pool_key: sum(route.weights) for route in ruleset.routes if route.weighted}
    pending = session.scalars(
        select(LedgerAdjustment).where(LedgerAdjustment.applied_at.is_(None))
        .order_by(LedgerAdjustment.id)
    )  # fmt: skip
    for adjustment in pending:
        total = totals.get(adjustment.pool_key)
        if total is None:
            continue
        pool = credits.setdefault(adjustment.pool_key, {})
        pool[adjustment.member] = pool.get(adjustment.member, 0) + adjustment.turns * total
        adjustment.applied_at = now
    session.flush()


def load_state(
    session: Session,
    ruleset: RuleSet,
    *,
    adjust: bool = False,
    now: datetime | None = None,
    shadow: bool = False,
) -> AssignmentState:
    """Positions, open-MQL counts and credits as a run starts; a live run first applies the
    pending ledger adjustments (saved with its first committed batch). Shadow runs read their
    own positions and credits, so going live starts where the live pools stood."""
    credits = load_credits(session, shadow=shadow)
    if adjust and not shadow:
        apply_adjustments(session, ruleset, credits, now or datetime.now(UTC))
    return AssignmentState(
        positions=load_positions(session, shadow=shadow),
        open_mqls=open_mql_counts(session),
        credits=credits,
    )


def save_state(
    session: Session, state: AssignmentState, now: datetime, *, shadow: bool = False
) -> None:
    save_positions(session, state.positions, now, shadow=shadow)
    save_credits(session, state.credits, now, shadow=shadow)
