"""A lead's audit trail: its decisions, newest first, each with every attempt to write it.

One query for `GET /audit` and `handoff rules explain`, so the API and the CLI never disagree
about what was decided and written.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.models import BreachAction, DecisionRecord, Write


@dataclass(frozen=True)
class AuditRecord:
    """One decision and its write attempts, newest first."""

    decision: DecisionRecord
    writes: list[Write]
    breach_actions: list[BreachAction] = field(default_factory=list)


def lead_audit(
    session: Session, lead_ids: Sequence[str], *, before: int | None = None, limit: int
) -> list[AuditRecord]:
    """The decisions about a lead (under any of its Id forms `lead_ids`), newest first, from
    decision id `before` (exclusive) when given; at most `limit`."""
    query = select(DecisionRecord).where(DecisionRecord.lead_id.in_(list(lead_ids)))
    if before is not None:
        query = query.where(DecisionRecord.id < before)
    decisions = list(session.scalars(query.order_by(DecisionRecord.id.desc()).limit(limit)))
    writes: dict[int, list[Write]] = defaultdict(list)
    if decisions:
        rows = session.scalars(
            select(Write)
            .where(Write.decision_id.in_([d.id for d in decisions]))
            .order_by(Write.id.desc())
        )
        for write in rows:
            writes[write.decision_id].append(write)
    actions = _breach_actions(session, lead_ids, decisions)
    return [AuditRecord(d, writes[d.id], actions[d.id]) for d in decisions]


def _breach_actions(
    session: Session, lead_ids: Sequence[str], page: list[DecisionRecord]
) -> dict[int, list[BreachAction]]:
    """Each breach action under its own decision (a reassignment) or the decision before it."""
    found: dict[int, list[BreachAction]] = defaultdict(list)
    if not page:
        return found
    ids = list(lead_ids)
    actions = session.scalars(
        select(BreachAction).where(BreachAction.lead_id.in_(ids)).order_by(BreachAction.id)
    )
    stamps = sorted(session.execute(
        select(DecisionRecord.decided_at, DecisionRecord.id)
        .where(DecisionRecord.lead_id.in_(ids))
    ).all())  # fmt: skip
    shown = {d.id for d in page}
    for action in actions:
        owner = (action.detail or {}).get("decision_id")
        if owner is None:
            before = bisect_right(stamps, (action.created_at, float("inf"))) - 1
            owner = stamps[before][1] if before >= 0 else None
        if owner in shown:
            found[int(owner)].append(action)
    return found
