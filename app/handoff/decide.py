"""Deciding a batch of leads: rules, owners, planned values, stored decisions.

The rules engine decides each lead and assigns owners for the batch in one call, with the stored
round-robin positions and open-MQL counts; this module turns each outcome into a `DecisionRow`
with the exact values to write, so a later retry writes the same values and never draws a new
owner.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from app.handoff.mapping import LeadInput
from app.handoff.plan import Intent, planned_values
from app.handoff.run_facts import RunFacts
from app.store.repo_decisions import DecisionRow
from app.store.states import WriteState
from rules import (
    Assignment,
    AssignmentState,
    DecisionContext,
    LeadFacts,
    RuleSet,
    assign,
    decide,
)
from rules import Decision as RulesDecision


def rules_view(lead: LeadInput, facts: RunFacts) -> LeadFacts:
    """The rules' view of a stored lead (`rules.LeadFacts`)."""
    return LeadFacts(
        fields=lead.facts_fields(),
        status=lead.status,
        owner_id=lead.owner_id,
        owner_is_active_user=facts.owner_active(lead.owner_id),
        ever_mql=lead.ever_mql,
        taken_out_of_mql_by_person=lead.taken_out_by_person,
        created_at=lead.created_date,
    )


def decide_batch(
    ruleset: RuleSet,
    leads: Sequence[tuple[LeadInput, str]],
    facts: RunFacts,
    state: AssignmentState,
) -> tuple[list[tuple[LeadInput, str, RulesDecision, Assignment | None]], AssignmentState]:
    """Decide `leads` (with their fingerprints) and assign owners to those that need one."""
    context = DecisionContext(
        integration_user_id=facts.integration_user_id, go_live_after=facts.go_live_after
    )
    outcomes = [(lead, fp, decide(ruleset, rules_view(lead, facts), context)) for lead, fp in leads]
    wanting = [
        (lead.id, lead.facts_fields())
        for lead, _fp, outcome in outcomes
        if outcome.mql or outcome.needs_owner
    ]
    assignments, after = assign(ruleset, wanting, state, facts.roster)
    by_lead = {assignment.lead_id: assignment for assignment in assignments}
    return [(lead, fp, o, by_lead.get(lead.id)) for lead, fp, o in outcomes], after


def decision_row(
    ruleset: RuleSet,
    lead: LeadInput,
    input_fingerprint: str,
    outcome: RulesDecision,
    assignment: Assignment | None,
    facts: RunFacts,
    *,
    run_id: int | None,
    dry_run: bool,
    now: datetime,
) -> DecisionRow:
    """One decision to store, with the values it will write."""
    explanation = _explanation(ruleset, outcome)
    held_for_owner = assignment is not None and assignment.held
    planned = None
    if not held_for_owner:  # a lead waiting for an available owner keeps its status
        planned = _planned(ruleset, lead, outcome, assignment, facts, explanation, now)
    result = input_fingerprint
    if planned:
        result = facts.fingerprint(lead.with_values(planned, ruleset.statuses.mql))
    return DecisionRow(
        lead_id=lead.id,
        run_id=run_id,
        decided_at=now,
        rules_version=str(ruleset.version),
        rules_hash=ruleset.content_hash,
        input_fingerprint=input_fingerprint,
        result_fingerprint=result,
        dry_run=dry_run,
        mql=outcome.mql,
        held=outcome.held,
        missing_fields=list(outcome.missing_fields) if outcome.held else None,
        fit=outcome.fit,
        interest=outcome.interest,
        matched=_matched(outcome),
        disqualified_by=_rule_name(outcome.disqualified_by),
        ineligible_reason=str(outcome.ineligible_reason) if outcome.ineligible_reason else None,
        route_index=assignment.route if assignment is not None else None,
        explanation=explanation,
        planned=planned,
        write_state=WriteState.PENDING if planned and not dry_run else WriteState.NONE,
        read_status=lead.status,
        read_owner_id=lead.owner_id,
        **routing_columns(assignment, facts),
    )


def routing_columns(assignment: Assignment | None, facts: RunFacts) -> dict[str, Any]:
    """The owner choice as stored with the decision: its words (255), whether the lead waits
    for an available owner, the matched Account, and in full who was skipped and why."""
    if assignment is None:
        return {}
    people = facts.roster.people
    match = assignment.match
    routing: dict[str, Any] = {
        "route": assignment.route,
        "weight": assignment.weight,
        "explanation": assignment.detail or assignment.reason,
        "skipped": [
            {
                "user_id": entry.member,
                "name": people.name(entry.member) if people is not None else None,
                "reason": str(entry.skip),
                "until": entry.until.isoformat() if entry.until is not None else None,
            }
            for entry in assignment.skipped
        ],
    }
    if match is not None:
        routing["account"] = {
            "id": match.account.id, "name": match.account.name,
            "owner_id": match.account.owner_id, "method": match.method, "key": match.key,
            "candidates": match.candidates,
        }  # fmt: skip
    return {
        "owner_reason": assignment.reason[:255],
        "owner_held": assignment.held,
        "owner_id": assignment.owner_id,
        "account_id": match.account.id if match is not None else None,
        "match_method": match.method if match is not None else None,
        "routing": routing,
    }


def _planned(
    ruleset: RuleSet,
    lead: LeadInput,
    outcome: RulesDecision,
    assignment: Assignment | None,
    facts: RunFacts,
    explanation: str,
    now: datetime,
) -> dict[str, Any] | None:
    owner = assignment.owner_id if assignment is not None else None
    intent = Intent(
        status=ruleset.statuses.mql if outcome.mql else None,
        owner_id=owner if owner != lead.owner_id else None,
        score=outcome.fit + outcome.interest,
        reason=explanation,
    )
    return planned_values(lead, intent, facts.writeback, now)


def _explanation(ruleset: RuleSet, outcome: RulesDecision) -> str:
    """The rules' full one-line explanation for leads that qualify or need an owner; a short
    one for the rest (most leads of a first run), whose matched rules are stored beside it."""
    if outcome.scores_qualify or outcome.needs_owner:
        return outcome.explain()
    why = outcome.disqualified_by.shown if outcome.disqualified_by else outcome.ineligible_reason
    scores = f"fit {outcome.fit}, interest {outcome.interest}"
    return f"not MQL (rules v{ruleset.version}): {why or 'below the thresholds'}; {scores}"[:255]


def _matched(outcome: RulesDecision) -> dict[str, Any] | None:
    rules = [
        {
            "place": r.place,
            "label": r.label,
            "points": r.points,
            **({"name": r.name} if r.name else {}),
        }
        for r in outcome.matched
    ]
    return {"rules": rules} if rules else None


def _rule_name(rule: Any) -> str | None:
    if rule is None:
        return None
    return (rule.name or f"{rule.place} {rule.label}")[:255]
