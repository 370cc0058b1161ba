"""Stored decisions: the row a run decides, and every query the handoff makes of them.

A first run stores a decision for every open lead, so rows go in as one multi-row insert per
batch (`DecisionRow.columns()`), not as mapped objects, which would cost more than deciding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, func, insert, select, update
from sqlalchemy.orm import Session

from app.store.models import DecisionRecord
from app.store.states import OWED, WriteState

_IN_BATCH = 500


@dataclass(slots=True)
class DecisionRow:
    """The columns of one decision about to be stored, with the values it will write."""

    lead_id: str
    run_id: int | None
    decided_at: datetime
    rules_version: str
    rules_hash: str
    input_fingerprint: str
    result_fingerprint: str
    dry_run: bool
    mql: bool
    held: bool
    # The rules' handoff fields the lead lacks, when it is held.
    missing_fields: list[str] | None
    fit: int
    interest: int
    matched: dict[str, Any] | None
    disqualified_by: str | None
    ineligible_reason: str | None
    route_index: int | None
    explanation: str
    planned: dict[str, Any] | None
    write_state: WriteState
    read_status: str | None
    read_owner_id: str | None

    def columns(self) -> dict[str, Any]:
        """The row as the `decisions` table stores it."""
        return {
            "lead_id": self.lead_id,
            "run_id": self.run_id,
            "decided_at": self.decided_at,
            "rules_version": self.rules_version,
            "rules_hash": self.rules_hash,
            "input_fingerprint": self.input_fingerprint,
            "result_fingerprint": self.result_fingerprint,
            "dry_run": self.dry_run,
            "mql": self.mql,
            "held": self.held,
            "missing_fields": (
                {"fields": self.missing_fields} if self.missing_fields is not None else None
            ),
            "fit": self.fit,
            "interest": self.interest,
            "matched": self.matched,
            "disqualified_by": self.disqualified_by,
            "ineligible_reason": self.ineligible_reason,
            "route_index": self.route_index,
            "explanation": self.explanation,
            "planned": self.planned,
            "write_state": self.write_state.value,
            "write_attempts": 0,
            "read_status": self.read_status,
            "read_owner_id": self.read_owner_id,
        }


def insert_decisions(session: Session, rows: Iterable[DecisionRow]) -> None:
    """Store decisions in bulk (one multi-row insert per batch, not one object each)."""
    columns = [row.columns() for row in rows]
    if columns:
        table: Table = DecisionRecord.__table__  # type: ignore[assignment]
        session.execute(insert(table), columns)


def owed_clause() -> ColumnElement[bool]:
    """Live decisions that still owe the org a write."""
    return DecisionRecord.dry_run.is_(False) & DecisionRecord.write_state.in_(OWED)


def owed_decisions(session: Session, lead_ids: Sequence[str] | None = None) -> list[DecisionRecord]:
    """Decisions still owing the org a write (of `lead_ids` when given), oldest first."""
    query = select(DecisionRecord).where(owed_clause()).order_by(DecisionRecord.id)
    if lead_ids is None:
        return list(session.scalars(query))
    found: list[DecisionRecord] = []
    for start in range(0, len(lead_ids), _IN_BATCH):
        batch = lead_ids[start : start + _IN_BATCH]
        found += session.scalars(query.where(DecisionRecord.lead_id.in_(batch)))
    return found


def owed_count(session: Session) -> int:
    return (
        session.scalar(select(func.count()).select_from(DecisionRecord).where(owed_clause())) or 0
    )


def count_in_state(session: Session, state: WriteState) -> int:
    query = select(func.count()).select_from(DecisionRecord)
    return session.scalar(query.where(DecisionRecord.write_state == state)) or 0


def supersede_owed(session: Session, lead_ids: Sequence[str]) -> None:
    """Earlier decisions still owing a write give way to new ones for the same leads.

    Only leads that owe a write are updated: usually a few retries, where a first run would
    otherwise send an UPDATE for every 500 of its 50,000 decided leads.
    """
    owing = set(session.scalars(select(DecisionRecord.lead_id).where(owed_clause())))
    wanted = [lead_id for lead_id in lead_ids if lead_id in owing]
    for start in range(0, len(wanted), _IN_BATCH):
        session.execute(
            update(DecisionRecord)
            .where(DecisionRecord.lead_id.in_(wanted[start : start + _IN_BATCH]), owed_clause())
            .values(write_state=WriteState.SUPERSEDED.value)
        )


def latest_per_lead(session: Session, *, dry_run: bool) -> Iterable[Any]:
    """The latest decision per lead among those of one mode (dry run or live): its lead Id,
    input and result fingerprints, rules hash and write state."""
    newest = (
        select(func.max(DecisionRecord.id))
        .where(DecisionRecord.dry_run.is_(dry_run))
        .group_by(DecisionRecord.lead_id)
        .scalar_subquery()
    )
    return session.execute(
        select(
            DecisionRecord.lead_id,
            DecisionRecord.input_fingerprint,
            DecisionRecord.result_fingerprint,
            DecisionRecord.rules_hash,
            DecisionRecord.write_state,
        ).where(DecisionRecord.id.in_(newest))
    )
