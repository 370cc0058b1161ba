"""The audit trail of one lead: every decision, newest first, each with its write attempts.

Read by `GET /audit` and the dashboard's lead page, so both show the same entries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.models import Decision, Write


class WriteEntry(BaseModel):
    id: int
    run_id: int | None
    attempted_at: datetime
    values: dict[str, Any]
    success: bool
    error_code: str | None
    message: str | None
    retryable: bool


class AuditEntry(BaseModel):
    """One decision, with what the rules said and every attempt to write it."""

    decision_id: int
    lead_id: str
    run_id: int | None
    decided_at: datetime
    rules_version: str
    rules_hash: str
    dry_run: bool
    mql: bool
    held: bool
    missing_fields: dict[str, Any] | None
    fit: int
    interest: int
    disqualified_by: str | None
    ineligible_reason: str | None
    explanation: str | None
    planned: dict[str, Any] | None
    write_state: str
    writes: list[WriteEntry]


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    more: bool


def _entry(decision: Decision, writes: list[Write]) -> AuditEntry:
    skip = ("writes", "decision_id")
    fields = {name: getattr(decision, name) for name in AuditEntry.model_fields if name not in skip}
    fields["decision_id"] = decision.id
    return AuditEntry(
        **fields,
        writes=[WriteEntry.model_validate(w, from_attributes=True) for w in writes],
    )


def lead_audit(
    session: Session, lead_id: str, *, limit: int, before: int | None = None
) -> AuditPage:
    """Up to `limit` decisions about the lead (15 or 18 character Id), older than `before`."""
    query = select(Decision).where(Decision.lead_id.in_(id_forms(lead_id)))
    if before is not None:
        query = query.where(Decision.id < before)
    decisions = list(session.scalars(query.order_by(Decision.id.desc()).limit(limit + 1)))
    page = decisions[:limit]
    writes: dict[int, list[Write]] = defaultdict(list)
    if page:
        rows = session.scalars(
            select(Write)
            .where(Write.decision_id.in_([d.id for d in page]))
            .order_by(Write.id.desc())
        )
        for write in rows:
            writes[write.decision_id].append(write)
    return AuditPage([_entry(d, writes[d.id]) for d in page], more=len(decisions) > limit)


def id_forms(lead_id: str) -> list[str]:
    """The Id as given, and its 18 character form when given 15 characters (the store's form)."""
    if len(lead_id) != 15:
        return [lead_id]
    return [lead_id, lead_id + _checksum(lead_id)]


def _checksum(short_id: str) -> str:
    """Salesforce's case-safe suffix: one letter per 5 characters, from their upper-case bits."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    suffix = ""
    for start in range(0, 15, 5):
        bits = sum(1 << i for i, c in enumerate(short_id[start : start + 5]) if c.isupper())
        suffix += alphabet[bits]
    return suffix
