"""Storing decisions with their narrow heads, and pruning the superseded ones past the audit window.

Each stored decision becomes its lead's head for its mode (`decision_heads`) in the same
transaction, so choosing the next run's leads never reads the whole decisions table. Decisions
are an audit trail, not a history to keep forever: a rules edit re-decides every eligible lead,
so a busy admin adds a million rows a week at a million leads. A decision is pruned once it is
older than HANDOFF_AUDIT_DAYS and superseded: it is not its lead's head, owes no write and has
no write attached (write attempts, and so the decisions behind real changes, are kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from app.store.models import Decision, DecisionHead, Write
from app.store.repo_mirror import upsert

# Write states that still owe the org a write (never pruned).
OWED_STATES = ("pending", "retrying")
PRUNE_BATCH = 5_000


def insert_decisions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Store decision rows (one executemany) and make each its lead's head for its mode."""
    if not rows:
        return
    table: Table = Decision.__table__  # type: ignore[assignment]
    ids = session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows)
    ).scalars()
    heads: dict[tuple[str, bool], dict[str, Any]] = {}
    for decision_id, row in zip(ids, rows, strict=True):
        dry_run = bool(row.get("dry_run", False))
        heads[(row["lead_id"], dry_run)] = {
            "lead_id": row["lead_id"],
            "dry_run": dry_run,
            "decision_id": decision_id,
            "input_fingerprint": row["input_fingerprint"],
            "result_fingerprint": row.get("result_fingerprint"),
            "rules_hash": row["rules_hash"],
            "capped": row.get("write_state") == "capped",
        }
    upsert(session, DecisionHead, list(heads.values()), newer_only=False)


def cap_run(session: Session, run_id: int | None) -> int:
    """Mark the run's decisions that were to be written as stopped by the write cap."""
    owed = (Decision.run_id == run_id) & (Decision.write_state == "pending")
    session.execute(
        update(DecisionHead)
        .where(DecisionHead.decision_id.in_(select(Decision.id).where(owed)))
        .values(capped=True)
    )
    result = session.execute(update(Decision).where(owed).values(write_state="capped"))
    return int(getattr(result, "rowcount", 0) or 0)


def prunable(cutoff: datetime) -> Any:
    """The ids of superseded decisions decided before `cutoff` (see the module docstring)."""
    return (
        select(Decision.id)
        .where(
            Decision.decided_at < cutoff,
            Decision.write_state.not_in(OWED_STATES),
            ~exists().where(DecisionHead.decision_id == Decision.id),
            ~exists().where(Write.decision_id == Decision.id),
        )
        .order_by(Decision.id)
    )


def prune_superseded(session: Session, cutoff: datetime, *, limit: int = PRUNE_BATCH) -> int:
    """Delete up to `limit` superseded decisions older than `cutoff`; return how many."""
    ids = list(session.scalars(prunable(cutoff).limit(limit)))
    if ids:
        session.execute(delete(Decision).where(Decision.id.in_(ids)))
    return len(ids)


def decision_count(session: Session) -> int:
    """Rows in `decisions` (for the run's counts and the benchmark)."""
    return session.scalar(select(func.count()).select_from(Decision)) or 0
