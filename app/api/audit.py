"""The audit trail of one lead: every decision and every write, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.api.auth import ReadAccess
from app.api.examples import documented
from app.api.pagination import CursorQuery, LimitQuery, Page, decode_id_cursor, encode_cursor
from app.deps import SessionDep
from app.store import repo_audit
from rules.ids import to18

router = APIRouter(tags=["audit"], dependencies=ReadAccess)


class WriteEntry(BaseModel):
    id: int
    run_id: int | None
    attempted_at: datetime
    values: dict[str, Any]
    success: bool
    error_code: str | None
    message: str | None
    # The fields Salesforce named with a refusal (a validation rule's field, OwnerId...).
    fields: list[str] | None = None
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
    # The owner choice: in words (255 characters), whether the lead waits for an available
    # owner, the matched Account and how, and in `routing` who was skipped and why, in full.
    owner_reason: str | None = None
    owner_held: bool = False
    account_id: str | None = None
    match_method: str | None = None
    routing: dict[str, Any] | None = None
    writes: list[WriteEntry]
    # The breach actions recorded after this decision (a breach reassignment is itself a
    # decision: its action is under it).
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
            "owner_reason": "owner Jane Doe (route 0, weight 2; Sam Lee out of office until "
            "2026-12-09)",
            "owner_held": False,
            "account_id": None,
            "match_method": None,
            "routing": {
                "route": 0,
                "weight": 2,
                "explanation": "owner Jane Doe (route 0, weight 2; Sam Lee out of office until "
                "2026-12-09)",
                "skipped": [
                    {
                        "user_id": "005000000000002AAA",
                        "name": "Sam Lee",
                        "reason": "out of office",
                        "until": "2026-12-09T00:00:00+00:00",
                    }
                ],
            },
            "writes": [
                {
                    "id": 90,
                    "run_id": 41,
                    "attempted_at": "2026-11-23T18:00:06Z",
                    "values": {"Status": "Marketing Qualified"},
                    "success": True,
                    "error_code": None,
                    "message": None,
                    "fields": None,
                    "retryable": False,
                }
            ],
        }
    ],
    "next_cursor": None,
}


def _entry(record: repo_audit.AuditRecord) -> AuditEntry:
    skip = ("writes", "decision_id", "breach_actions")
    decision = record.decision
    fields = {name: getattr(decision, name) for name in AuditEntry.model_fields if name not in skip}
    fields["decision_id"] = decision.id
    return AuditEntry(
        **fields,
        writes=[WriteEntry.model_validate(w, from_attributes=True) for w in record.writes],
        breach_actions=[
            BreachEntry.model_validate(a, from_attributes=True) for a in record.breach_actions
        ],
    )


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
    before = None
    if cursor is not None:
        before = decode_id_cursor(cursor)
    found = repo_audit.lead_audit(session, lead_id_forms(lead_id), before=before, limit=limit + 1)
    page = found[:limit]
    next_cursor = encode_cursor(page[-1].decision.id) if len(found) > limit else None
    return Page[AuditEntry](items=[_entry(r) for r in page], next_cursor=next_cursor)


def lead_id_forms(lead_id: str) -> list[str]:
    """The Id as given, and its 18 character form when given 15 characters (the store's form)."""
    if len(lead_id) != 15:
        return [lead_id]
    return [lead_id, to18(lead_id)]
