"""The assignment state that outlives a run: round-robin positions and open-MQL counts.

The rules engine takes both as data and hands the positions back; this module is where they are
read from and written to the store. Positions are saved in the same transaction as the
decisions that used them, so a crash either keeps both or neither and a pool never skips or
repeats a turn. Dry runs read them but never save them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.store.models import Lead, RoundRobin, RoundRobinShadow


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
