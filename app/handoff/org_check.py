"""Checking the rules against the org before a run decides anything.

A rules file can be valid on its own and still wrong for this org: a field it lacks, a status it
does not have, a pool member who is no user. Any such error stops the run before a single write,
naming every problem; warnings (an inactive pool user) are logged and the run goes on.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from app.handoff.rules_file import RulesFileError
from app.sla_policy import org_calendar
from app.store import repo_mirror, repo_sync
from rules import LeadField, OrgFacts, RuleSet, check_against_org, format_issues, has_errors
from sf_client import SObjectDescribe

log = logging.getLogger(__name__)


def org_facts(session: Session, describe: SObjectDescribe) -> OrgFacts:
    """The org as the rules check sees it: Lead fields and statuses, users, queues."""
    fields = {
        name: LeadField(
            type=field.type,
            updateable=field.updateable,
            length=field.length,
            picklist_values=frozenset(v.value for v in field.picklist_values if v.active),
        )
        for name, field in describe.fields.items()
    }
    status = describe.fields.get("Status")
    statuses = {v.value: v.active for v in status.picklist_values} if status else {}
    known = repo_mirror.people(session)
    return OrgFacts(
        lead_fields=fields,
        lead_statuses=statuses,
        users=known.users,
        lead_queues=frozenset(q for q, takes in known.queues.items() if takes),
        queues=frozenset(known.queues),
        business_hours=org_calendar(repo_sync.get_org(session)),
    )


def check_rules_against_org(
    session: Session, ruleset: RuleSet, describe: SObjectDescribe, source: str
) -> None:
    """Raise `RulesFileError` naming every error of `ruleset` in this org; log the warnings."""
    issues = check_against_org(ruleset, org_facts(session, describe))
    if has_errors(issues):
        raise RulesFileError(format_issues([i for i in issues if i.severity == "error"], source))
    for line in format_issues(issues, source):
        log.warning("%s", line)
