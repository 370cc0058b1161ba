"""Stored decisions: the row a run decides, and every query the handoff makes of them.

A first run stores a decision for every open lead, so rows go in as one multi-row insert per
batch (`DecisionRow.columns()`), not as mapped objects, which would cost more than deciding.
Each stored decision becomes its lead's head for its mode (`decision_heads`) in the same
transaction, so choosing the next run's leads never reads the whole decisions table.

Decisions are an audit trail, not a history to keep forever: a rules edit re-decides every
eligible lead, so a busy admin adds a million rows a week at a million leads. A decision is
pruned once it is older than HANDOFF_AUDIT_DAYS and superseded: it is not its lead's head, owes
no write and has no write attached (write attempts, and the decisions behind real changes, are
kept).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    delete,
    exists,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from app.store.ids import reserve_ids
from app.store.many import execute_many
from app.store.models import DecisionHead, DecisionRecord, Lead, Write
from app.store.repo_mirror import upsert
from app.store.states import OWED, WriteState

_IN_BATCH = 500
PRUNE_BATCH = 5_000


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
    # Decided in shadow mode: recorded as live would, never written (a dry run for the heads).
    shadow: bool = False
    owner_reason: str | None = None
    owner_held: bool = False
    owner_id: str | None = None
    account_id: str | None = None
    match_method: str | None = None
    routing: dict[str, Any] | None = None

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
            "shadow": self.shadow,
            "owner_reason": self.owner_reason,
            "owner_held": self.owner_held,
            "owner_id": self.owner_id,
            "account_id": self.account_id,
            "match_method": self.match_method,
            "routing": self.routing,
        }


def insert_decisions(session: Session, rows: Iterable[DecisionRow]) -> None:
    """Store decisions in bulk (their ids drawn first, then one driver executemany, not one
    object each) and make each its lead's head for its mode."""
    columns = [row.columns() for row in rows]
    if not columns:
        return
    table: Table = DecisionRecord.__table__  # type: ignore[assignment]
    for decision_id, row in zip(reserve_ids(session, table, len(columns)), columns, strict=True):
        row["id"] = decision_id
    execute_many(session, insert(table), columns)
    heads: dict[tuple[str, bool], dict[str, Any]] = {}
    for row in columns:
        heads[(row["lead_id"], row["dry_run"])] = {
            "lead_id": row["lead_id"],
            "dry_run": row["dry_run"],
            "decision_id": row["id"],
            "input_fingerprint": row["input_fingerprint"],
            "result_fingerprint": row["result_fingerprint"],
            "rules_hash": row["rules_hash"],
            "capped": row["write_state"] == WriteState.CAPPED,
            "waiting_owner": row["owner_held"],
        }
    upsert(session, DecisionHead, list(heads.values()), newer_only=False)


def cap_run(session: Session, run_id: int | None) -> int:
    """Mark the run's decisions that were to be written as stopped by the write cap."""
    owed = (DecisionRecord.run_id == run_id) & (DecisionRecord.write_state == WriteState.PENDING)
    session.execute(
        update(DecisionHead)
        .where(DecisionHead.decision_id.in_(select(DecisionRecord.id).where(owed)))
        .values(capped=True)
    )
    result = session.execute(
        update(DecisionRecord).where(owed).values(write_state=WriteState.CAPPED.value)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def prunable(cutoff: datetime) -> Any:
    """The ids of superseded decisions decided before `cutoff` (see the module docstring)."""
    return (
        select(DecisionRecord.id)
        .where(
            DecisionRecord.decided_at < cutoff,
            DecisionRecord.write_state.not_in(OWED),
            ~exists().where(DecisionHead.decision_id == DecisionRecord.id),
            ~exists().where(Write.decision_id == DecisionRecord.id),
        )
        .order_by(DecisionRecord.id)
    )


def prune_superseded(session: Session, cutoff: datetime, *, limit: int = PRUNE_BATCH) -> int:
    """Delete up to `limit` superseded decisions older than `cutoff`; return how many."""
    ids = list(session.scalars(prunable(cutoff).limit(limit)))
    if ids:
        session.execute(delete(DecisionRecord).where(DecisionRecord.id.in_(ids)))
    return len(ids)


def decision_count(session: Session) -> int:
    """Rows in `decisions` (for the run's counts and the benchmark)."""
    return session.scalar(select(func.count()).select_from(DecisionRecord)) or 0


def owed_clause() -> ColumnElement[bool]:
    """Live decisions that still owe the org a write."""
    return DecisionRecord.dry_run.is_(False) & DecisionRecord.write_state.in_(OWED)


def owed_decisions(session: Session, lead_ids: Sequence[str]) -> list[DecisionRecord]:
    """Decisions of `lead_ids` still owing the org a write, oldest first."""
    query = select(DecisionRecord).where(owed_clause()).order_by(DecisionRecord.id)
    found: list[DecisionRecord] = []
    for start in range(0, len(lead_ids), _IN_BATCH):
        batch = lead_ids[start : start + _IN_BATCH]
        found += session.scalars(query.where(DecisionRecord.lead_id.in_(batch)))
    return found


def owed_slice(session: Session, *, after: int, upto: int, limit: int) -> list[DecisionRecord]:
    """Up to `limit` decisions owing a write with ids in (`after`, `upto`], oldest first: a
    first run owing 100,000 writes is written a slice at a time, never held whole."""
    query = (
        select(DecisionRecord)
        .where(owed_clause(), DecisionRecord.id > after, DecisionRecord.id <= upto)
        .order_by(DecisionRecord.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def owed_max_id(session: Session) -> int | None:
    """The newest decision owing a write, so a run writes up to there and no further."""
    return session.scalar(select(func.max(DecisionRecord.id)).where(owed_clause()))


def owed_count(session: Session) -> int:
    return (
        session.scalar(select(func.count()).select_from(DecisionRecord).where(owed_clause())) or 0
    )


def count_in_state(session: Session, state: WriteState) -> int:
    query = select(func.count()).select_from(DecisionRecord)
    return session.scalar(query.where(DecisionRecord.write_state == state)) or 0


def owing_leads(session: Session) -> set[str]:
    """Leads with a decision that still owes a write (usually a few retries)."""
    return set(session.scalars(select(DecisionRecord.lead_id).where(owed_clause())))


def supersede_owed(
    session: Session, lead_ids: Sequence[str], owing: set[str] | None = None
) -> None:
    """Earlier decisions still owing a write give way to new ones for the same leads.

    Only leads that owe a write are updated: usually a few retries, where a first run would
    otherwise send an UPDATE for every 500 of its 50,000 decided leads. `owing` is
    `owing_leads` read once before a run's first batch: reading it again per batch would read
    every decision the run itself stored so far, which grows with the org's size squared.
    """
    if owing is None:
        owing = owing_leads(session)
    wanted = [lead_id for lead_id in lead_ids if lead_id in owing]
    for start in range(0, len(wanted), _IN_BATCH):
        session.execute(
            update(DecisionRecord)
            .where(DecisionRecord.lead_id.in_(wanted[start : start + _IN_BATCH]), owed_clause())
            .values(write_state=WriteState.SUPERSEDED.value)
        )


def same_wait(session: Session, rows: Sequence[DecisionRow]) -> set[str]:
    """The held rows whose lead already waits, for the same reason, input and rules.

    A lead held for want of an available owner is decided again every run; while nothing about
    it changes (a closed weekend), storing the same decision again would only grow the audit.
    """
    held = {row.lead_id: row for row in rows if row.owner_held}
    same: set[str] = set()
    ids = list(held)
    for start in range(0, len(ids), _IN_BATCH):
        found = session.execute(
            select(DecisionHead.lead_id, DecisionHead.dry_run, DecisionHead.input_fingerprint,
                   DecisionHead.rules_hash, DecisionRecord.owner_reason)
            .join(DecisionRecord, DecisionRecord.id == DecisionHead.decision_id)
            .where(DecisionHead.lead_id.in_(ids[start : start + _IN_BATCH]),
                   DecisionHead.waiting_owner.is_(True))
        )  # fmt: skip
        for lead_id, dry_run, fingerprint, rules_hash, reason in found:
            row = held[lead_id]
            if (dry_run, fingerprint, rules_hash, reason) == (
                row.dry_run,
                row.input_fingerprint,
                row.rules_hash,
                row.owner_reason,
            ):
                same.add(lead_id)
    return same


def with_heads(query: Any, lead_id: Any, *, dry_run: bool) -> Any:
    """`query` (of leads) with each lead's head of this mode beside it, outer-joined: the
    columns `input_fingerprint`, `result_fingerprint`, `rules_hash`, `capped` and
    `waiting_owner` (null when nothing of this mode decided the lead yet)."""
    return query.add_columns(
        DecisionHead.input_fingerprint,
        DecisionHead.result_fingerprint,
        DecisionHead.rules_hash,
        DecisionHead.capped,
        DecisionHead.waiting_owner,
    ).outerjoin(DecisionHead, (DecisionHead.lead_id == lead_id) & DecisionHead.dry_run.is_(dry_run))


def heads_to_decide_again(dry_run: bool) -> Select[Any]:
    """The leads whose head of this mode is decided again whatever changed: stopped by the
    write cap, or waiting for an available owner (read through a small partial index)."""
    again = (DecisionHead.capped == true()) | (DecisionHead.waiting_owner == true())
    return select(DecisionHead.lead_id).where(DecisionHead.dry_run.is_(dry_run), again)


def reopen_changed_refusals(session: Session) -> int:
    """Owe again the refused writes whose lead changed in the org since the refusal; commit.

    A validation rule, a flow or a lock refuses a write for the lead's data as it was; once a
    person changes the lead (its SystemModstamp moves past the one stored with the refusal),
    the same decision is tried again. Only a lead's latest live decision (its head) is
    reopened, and a lead the rules decide again this run supersedes it as usual.
    """
    refused_at = (
        select(Write.decision_id, func.max(Write.lead_modstamp).label("stamp"))
        .where(Write.lead_modstamp.is_not(None))
        .group_by(Write.decision_id)
        .subquery()
    )
    changed = (
        select(DecisionRecord.id)
        .join(refused_at, refused_at.c.decision_id == DecisionRecord.id)
        .join(DecisionHead, DecisionHead.decision_id == DecisionRecord.id)
        .join(Lead, Lead.id == DecisionRecord.lead_id)
        .where(
            DecisionRecord.write_state == WriteState.FAILED,
            DecisionRecord.dry_run.is_(False),
            Lead.system_modstamp > refused_at.c.stamp,
            Lead.is_deleted.is_(False),
            Lead.is_converted.is_(False),
        )
    )
    ids = list(session.scalars(changed))
    for start in range(0, len(ids), _IN_BATCH):
        session.execute(
            update(DecisionRecord)
            .where(DecisionRecord.id.in_(ids[start : start + _IN_BATCH]))
            .values(write_state=WriteState.RETRYING.value)
        )
    session.commit()
    return len(ids)


def latest_score(column: Any) -> Any:
    """A correlated subquery: `column` (DecisionRecord.fit or .interest) of the lead's latest
    decision, live before dry run; NULL for a lead never decided (an MQL set by hand that
    needed no owner)."""
    return (
        select(column)
        .join(DecisionHead, DecisionHead.decision_id == DecisionRecord.id)
        .where(DecisionHead.lead_id == Lead.id)
        .order_by(DecisionHead.dry_run)
        .limit(1)
        .scalar_subquery()
    )
