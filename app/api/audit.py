"""The audit trail of one lead: every decision and every write, newest first."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.auth import ReadAccess
from app.api.errors import invalid
from app.api.examples import documented
from app.api.pagination import CursorQuery, LimitQuery, Page, decode_cursor, encode_cursor
from app.deps import SessionDep
from app.store.models import BreachAction, Decision, Write

router = APIRouter(tags=["audit"], dependencies=ReadAccess)


class WriteEntry(BaseModel):
    id: int
    run_id: int | None
    attempted_at: datetime
    values: dict[str, Any]
    success: bool
    error_code: str | None
    message: str | None
    retryable: bool


class BreachEntry(BaseModel):
    """An `on_breach` step recorded for the lead (dry runs' included, marked)."""

    id: int
    step: int
    kind: str
    state: str
    dry_run: bool
    run_id: int | None
    owner_id: str | None
    due_at: datetime
    step_at: datetime
    created_at: datetime
    done_at: datetime | None
    detail: dict[str, Any] | None


class AuditEntry(BaseModel):
    """One decision, with what the rules said and every attempt to write it, and the breach
    actions recorded after it (a breach reassignment is itself a decision: its action is here)."""

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
    breach_actions: list[BreachEntry] = []


AUDIT_EXAMPLE = {
    "items": [
        {
            "decision_id": 812,
            "lead_id": "00Q000000000001AAA",
            "run_id": 41,
            "decided_at": "2026-11-23T18:00:05Z",
            "rules_version": "7",
            "rules_hash": "9f2c...e1",
            "dry_run": False,
            "mql": True,
            "held": False,
            "missing_fields": None,
            "fit": 60,
            "interest": 40,
            "disqualified_by": None,
            "ineligible_reason": None,
            "explanation": "MQL: fit 60 >= 40 (fit[0], fit[1]); interest 40 >= 25 (interest[0])",
            "planned": {"Status": "Marketing Qualified", "OwnerId": "005000000000001AAA"},
            "write_state": "written",
            "writes": [
                {
                    "id": 90,
                    "run_id": 41,
                    "attempted_at": "2026-11-23T18:00:06Z",
                    "values": {"Status": "Marketing Qualified"},
                    "success": True,
                    "error_code": None,
                    "message": None,
                    "retryable": False,
                }
            ],
        }
    ],
    "next_cursor": None,
}


def _entry(decision: Decision, writes: list[Write], actions: list[BreachAction]) -> AuditEntry:
    skip = ("writes", "decision_id", "breach_actions")
    fields = {name: getattr(decision, name) for name in AuditEntry.model_fields if name not in skip}
    fields["decision_id"] = decision.id
    return AuditEntry(
        **fields,
        writes=[WriteEntry.model_validate(w, from_attributes=True) for w in writes],
        breach_actions=[BreachEntry.model_validate(a, from_attributes=True) for a in actions],
    )


def _breach_actions(
    session: Session, lead_ids: list[str], page: list[Decision]
) -> dict[int, list[BreachAction]]:
    """Each breach action under its own decision (a reassignment) or the decision before it."""
    found: dict[int, list[BreachAction]] = defaultdict(list)
    if not page:
        return found
    actions = session.scalars(
        select(BreachAction).where(BreachAction.lead_id.in_(lead_ids)).order_by(BreachAction.id)
    )
    stamps = sorted(session.execute(
        select(Decision.decided_at, Decision.id).where(Decision.lead_id.in_(lead_ids))
    ))  # fmt: skip
    shown = {d.id for d in page}
    for action in actions:
        owner = (action.detail or {}).get("decision_id")
        if owner is None:
            before = bisect_right(stamps, (action.created_at, float("inf"))) - 1
            owner = stamps[before][1] if before >= 0 else None
        if owner in shown:
            found[int(owner)].append(action)
    return found


@router.get(
    "/audit",
    response_model=Page[AuditEntry],
    summary="Every decision and write for a lead, newest first",
    responses=documented(AUDIT_EXAMPLE),
)
def get_audit(
    session: SessionDep,
    lead_id: Annotated[
        str,
        Query(
            description="the lead's 15 or 18 character Id",
            min_length=15,
            max_length=18,
            pattern="^[a-zA-Z0-9]+$",
            examples=["00Q000000000001AAA"],
        ),
    ],
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[AuditEntry]:
    """The lead's decisions, newest first, each with the rules version and hash, the scores,
    the explanation, what it planned to write and every write attempt with the org's answer."""
    query = select(Decision).where(Decision.lead_id.in_(_id_forms(lead_id)))
    if cursor is not None:
        (before,) = decode_cursor(cursor, 1)
        if not isinstance(before, int):
            raise invalid("cursor", "not a cursor returned by this API")
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
    actions = _breach_actions(session, _id_forms(lead_id), page)
    next_cursor = encode_cursor(page[-1].id) if len(decisions) > limit else None
    items = [_entry(d, writes[d.id], actions[d.id]) for d in page]
    return Page[AuditEntry](items=items, next_cursor=next_cursor)


def _id_forms(lead_id: str) -> list[str]:
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
