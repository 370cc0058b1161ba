"""`POST /rules/simulate`: what a rules file would change over the stored leads.

An admin editing the rules wants to see the consequences before a run makes them: how many leads
would become MQL or be held, where they would go (by route and owner), and how that differs from
the active rules. Nothing is written and no round-robin turn is used.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from app.handoff.mapping import lead_input
from app.handoff.preview import Preview, preview, stored_facts
from app.store import repo_leads
from rules import RuleSet


@dataclass
class SimulationResult:
    """Counts over the stored open leads; `changes` compares with the active rules."""

    rules_version: str
    rules_hash: str
    leads: int = 0
    mql: int = 0
    held: int = 0
    held_by_field: dict[str, int] = field(default_factory=dict)
    would_promote: int = 0
    would_reassign: int = 0
    by_route: dict[str, int] = field(default_factory=dict)
    by_owner: dict[str, int] = field(default_factory=dict)
    unassigned: dict[str, int] = field(default_factory=dict)
    # Against the active rules: leads newly MQL, no longer MQL, and with another owner.
    changes: dict[str, int] | None = None


def simulate(
    session: Session,
    ruleset: RuleSet,
    *,
    active: RuleSet | None = None,
    go_live_after: datetime | None = None,
) -> SimulationResult:
    """Run `ruleset` (and `active`, to compare) over every open stored lead; store nothing."""
    leads = [lead_input(row) for row in repo_leads.open_lead_rows(session)]
    candidate = preview(session, ruleset, leads, stored_facts(session, ruleset, go_live_after))
    result = _summarise(ruleset, candidate)
    if active is not None:
        before = preview(session, active, leads, stored_facts(session, active, go_live_after))
        result.changes = _compare(before, candidate)
    return result


def _summarise(ruleset: RuleSet, previews: list[Preview]) -> SimulationResult:
    result = SimulationResult(str(ruleset.version), ruleset.content_hash, leads=len(previews))
    held: Counter[str] = Counter()
    routes: Counter[str] = Counter()
    owners: Counter[str] = Counter()
    unassigned: Counter[str] = Counter()
    for lead, outcome, assignment in previews:
        result.mql += outcome.mql
        result.held += outcome.held
        held.update(outcome.missing_fields)
        result.would_promote += outcome.mql
        if assignment is None:
            continue
        if assignment.owner_id is None:
            unassigned[assignment.reason] += 1
            continue
        if assignment.owner_id != lead.owner_id:
            result.would_reassign += 1
        route = "kept owner" if assignment.route is None else ruleset.routes[assignment.route].title
        routes[route] += 1
        owners[assignment.owner_id] += 1
    result.held_by_field, result.by_route = dict(held), dict(routes)
    result.by_owner, result.unassigned = dict(owners), dict(unassigned)
    return result


def _compare(before: list[Preview], after: list[Preview]) -> dict[str, int]:
    changes: Counter[str] = Counter(newly_mql=0, no_longer_mql=0, other_owner=0)
    for (_lead, old, old_owner), (_same, new, new_owner) in zip(before, after, strict=True):
        if new.mql and not old.mql:
            changes["newly_mql"] += 1
        elif old.mql and not new.mql:
            changes["no_longer_mql"] += 1
        old_id = old_owner.owner_id if old_owner else None
        new_id = new_owner.owner_id if new_owner else None
        if (old.mql or new.mql) and old_id != new_id:
            changes["other_owner"] += 1
    return dict(changes)
