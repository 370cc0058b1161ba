"""The audit trail of one lead: every decision and every write, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.auth import ReadAccess
from app.api.errors import invalid
from app.api.examples import documented
from app.api.pagination import CursorQuery, LimitQuery, Page, decode_cursor, encode_cursor
from app.deps import SessionDep
from app.reports.audit_trail import AuditEntry, lead_audit

router = APIRouter(tags=["audit"], dependencies=ReadAccess)


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
        (before,) = decode_cursor(cursor, 1)
        if not isinstance(before, int):
            raise invalid("cursor", "not a cursor returned by this API")
    page = lead_audit(session, lead_id, limit=limit, before=before)
    next_cursor = encode_cursor(page.entries[-1].decision_id) if page.more else None
    return Page[AuditEntry](items=page.entries, next_cursor=next_cursor)
