"""`handoff rules explain LEAD_ID`: the stored decision for a lead, and today's answer.

An admin asking "why does this lead sit where it sits" needs what was decided, by which rules
(version and hash), what was written and what the org answered; and, when the rules file changed
since, what the current rules would decide instead.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.errors import HandoffError
from app.handoff.mapping import load_leads
from app.handoff.preview import preview, stored_facts
from app.store import repo_audit
from app.store.models import DecisionRecord, Write
from rules import RuleSet
from rules.ids import to18

_LEAD_ID = re.compile(r"00Q[A-Za-z0-9]{12}(?:[A-Za-z0-5]{3})?")


def normalise_lead_id(value: str) -> str:
    """The 18-character form of a 15 or 18 character Lead Id; a clear error otherwise."""
    text = value.strip()
    if not _LEAD_ID.fullmatch(text):
        raise HandoffError(f"{value!r} is not a 15 or 18 character Lead Id (they start with 00Q)")
    if len(text) == 18 and to18(text[:15]) != text:
        raise HandoffError(f"{value!r} has a wrong checksum; did you mean {to18(text[:15])}?")
    return to18(text)


def explain_lead(
    session: Session,
    lead_id: str,
    current_ruleset: RuleSet | None,
    *,
    go_live_after: datetime | None = None,
) -> dict[str, Any]:
    """The latest decision for the lead, its writes, and the current rules' view if it differs."""
    lead_id = normalise_lead_id(lead_id)
    latest = repo_audit.lead_audit(session, [lead_id], limit=1)
    decision = latest[0].decision if latest else None
    leads = load_leads(session, [lead_id])
    if decision is None and not leads:
        raise HandoffError(f"lead {lead_id} is not in the store: run `handoff sync` first")
    result: dict[str, Any] = {"lead_id": lead_id, "decision": None, "writes": []}
    if decision is not None:
        result["decision"] = _decision(decision)
        result["writes"] = [_write(w) for w in reversed(latest[0].writes)]
    stale = decision is None or (
        current_ruleset is not None and current_ruleset.content_hash != decision.rules_hash
    )
    if current_ruleset is not None and leads and stale:
        facts = stored_facts(session, current_ruleset, go_live_after)
        [(lead, outcome, assignment)] = preview(session, current_ruleset, leads, facts)
        result["current_rules"] = {
            "rules_version": str(current_ruleset.version),
            "rules_hash": current_ruleset.content_hash,
            "mql": outcome.mql,
            "held": outcome.held,
            "missing_fields": list(outcome.missing_fields),
            "fit": outcome.fit,
            "interest": outcome.interest,
            "owner_id": assignment.owner_id if assignment else lead.owner_id,
            "owner_reason": assignment.reason if assignment else None,
            "explanation": outcome.explain(),
        }
    return result


def _decision(decision: DecisionRecord) -> dict[str, Any]:
    return {
        "decided_at": decision.decided_at.isoformat(),
        "run_id": decision.run_id,
        "dry_run": decision.dry_run,
        "rules_version": decision.rules_version,
        "rules_hash": decision.rules_hash,
        "mql": decision.mql,
        "held": decision.held,
        "missing_fields": (decision.missing_fields or {}).get("fields", []),
        "fit": decision.fit,
        "interest": decision.interest,
        "disqualified_by": decision.disqualified_by,
        "ineligible_reason": decision.ineligible_reason,
        "explanation": decision.explanation,
        "planned": decision.planned,
        "write_state": decision.write_state,
        "owner_reason": decision.owner_reason,
        "owner_held": decision.owner_held,
        "account_id": decision.account_id,
        "match_method": decision.match_method,
        "routing": decision.routing,
    }


def _write(write: Write) -> dict[str, Any]:
    return {
        "attempted_at": write.attempted_at.isoformat(),
        "run_id": write.run_id,
        "values": write.values,
        "success": write.success,
        "error_code": write.error_code,
        "message": write.message,
    }
