"""A lead's audit trail: its decisions, newest first, each with every attempt to write it.

One query for `GET /audit` and `handoff rules explain`, so the API and the CLI never disagree
about what was decided and written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.models import DecisionRecord, Write


@dataclass(frozen=True)
class AuditRecord:
    """One decision and its write attempts, newest first."""

    decision: DecisionRecord
    writes: list[Write]


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
    return [AuditRecord(d, writes[d.id]) for d in decisions]
