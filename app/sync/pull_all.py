"""The pull step of a run: every object in order, then the facts that depend on the rules.

When what decides a lead's facts changes (the MQL and exit statuses, the MQL date field, whose
activity is no touch, the integration user, the org's time zone or fiscal year), every lead's
facts are derived again, a committed batch at a time; a crash part-way repeats the refresh.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from app.sla_policy import SlaPolicy, sla_policy
from app.store import repo_facts, repo_sync
from app.sync import fact_refresh
from app.sync.inputs import PullInputs
from app.sync.mirror import LEAD_FIELDS
from app.sync.mql_facts import FactRules
from app.sync.objects import object_pulls, routing_pulls
from app.sync.org import OrgProfile
from app.sync.pull import ObjectMissing, Progress, pull_object
from app.sync.report import PullReport
from rules import RuleSet

# The watermark row that remembers which fact rules the stored facts were derived with.
FACT_RULES_MARK = "_fact_rules"
LEAD_HISTORY = "LeadHistory"


def fact_rules(ruleset: RuleSet, org: OrgProfile, *, sla: SlaPolicy | None) -> FactRules:
    """What the facts are derived with; `sla` (from `sla_policy`) puts the SLA's clock,
    calendars and targets in, None leaves the SLA columns empty."""
    statuses = ruleset.statuses
    return FactRules(
        mql_status=statuses.mql,
        accepted=frozenset(statuses.accepted),
        rejected=frozenset(statuses.rejected),
        mql_date_field=ruleset.writeback.mql_date_field,
        not_touching=frozenset({org.integration_user_id, *ruleset.sla.ignore_activity_by}),
        time_zone=org.time_zone,
        fiscal_year_start_month=org.fiscal_year_start_month,
        sla=sla,
    )


def _fingerprint(rules: FactRules) -> str:
    values = {
        "mql": rules.mql_status,
        "accepted": sorted(rules.accepted),
        "rejected": sorted(rules.rejected),
        "date_field": rules.mql_date_field,
        "not_touching": sorted(i[:15] for i in rules.not_touching),
        "tz": rules.time_zone,
        "fiscal": rules.fiscal_year_start_month,
        "sla": rules.sla.fingerprint() if rules.sla is not None else None,
    }
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


_UNREADABLE = {
    LEAD_HISTORY: "LeadHistory is not readable in this org; MQL times come from elsewhere",
    "OutOfOffice": "OutOfOffice is not readable in this org (API 41.0+, Chatter on); only "
    "absences entered through POST /availability count",
}


def routing_needs(ruleset: RuleSet) -> tuple[frozenset[str] | None, bool]:
    """The Account fields to pull (None: no accounts) and whether to pull OutOfOffice."""
    assignment = ruleset.assignment
    accounts = ruleset.account_fields if assignment.match_accounts is not None else None
    availability = assignment.availability
    return accounts, availability is not None and availability.out_of_office == "salesforce"


def rule_lead_fields(ruleset: RuleSet) -> set[str]:
    """Lead fields beyond ours: the rules' own and the writeback fields they fill in."""
    writeback = ruleset.writeback
    named = {writeback.mql_date_field, writeback.score_field, writeback.reason_field}
    return {f for f in (*ruleset.lead_fields, *named) if f and f not in LEAD_FIELDS}


class PullStep:
    """The pull of one run; `report` holds its figures so far, even when it stops with an error."""

    def __init__(self, inputs: PullInputs, org: OrgProfile, progress: Progress | None = None):
        self.inputs, self.org, self.progress = inputs, org, progress
        self.report = PullReport()

    def run(self, run_start: datetime) -> PullReport:
        """Pull Leads, LeadHistory, Opportunities, Tasks and Events; return the pull's report."""
        ctx, org = self.inputs, self.org
        with ctx.sessions() as session:
            policy = sla_policy(session, ctx.ruleset)
        rules = fact_rules(ctx.ruleset, org, sla=policy)
        history_readable = True
        pulls = object_pulls(rule_lead_fields(ctx.ruleset), org.time_zone)
        pulls += routing_pulls(*routing_needs(ctx.ruleset))
        for spec in pulls:
            try:
                pull_object(
                    ctx, spec, rules, self.report, run_start=run_start, progress=self.progress
                )
            except ObjectMissing:
                if not spec.optional:
                    raise
                if spec.sobject == LEAD_HISTORY:
                    history_readable = False
                self.report.notes.append(_UNREADABLE.get(spec.sobject, f"{spec.sobject} is not "
                                         "readable in this org"))  # fmt: skip
        _note_history_tracking(ctx, org, history_readable)
        _refresh_if_rules_changed(ctx, rules)
        ctx.guard.crash_point("after_pull")
        return self.report


def _note_history_tracking(ctx: PullInputs, org: OrgProfile, readable: bool) -> None:
    """Record whether the org tracks Lead Status history (readable, and Status rows seen)."""
    with ctx.sessions() as session:
        tracked = readable and repo_facts.has_status_history(session)
        repo_sync.save_org(session, {"org_id": org.org_id, "lead_status_history": tracked})
        session.commit()


def _refresh_if_rules_changed(ctx: PullInputs, rules: FactRules) -> None:
    fingerprint = _fingerprint(rules)
    with ctx.sessions() as session:
        mark = repo_sync.get_watermark(session, FACT_RULES_MARK)
        previous = mark.fields_hash if mark else None
    if previous == fingerprint:
        return
    if previous is not None:
        fact_refresh.refresh_every_lead(ctx.sessions, rules, ctx.now())
    with ctx.sessions() as session:
        repo_sync.save_watermark(session, FACT_RULES_MARK, now=ctx.now(), fields_hash=fingerprint)
        session.commit()
