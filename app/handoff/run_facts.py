"""The org's facts a run decides with: who can own leads, and the writeback fields' shapes.

Users and queues come from the store (the pull keeps them current); field types come from the
Lead describe, one call per run, which is also what the rules are checked against before any
decision, so a rules file naming a field the org lacks fails the run instead of scoring zero.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from app.handoff.mapping import LeadInput, fingerprint
from app.handoff.plan import Writeback
from app.handoff.routing_facts import accounts_index, people_at
from app.store import repo_mirror
from rules import Roster, RuleSet
from rules.ids import to18
from sf_client import SObjectDescribe


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What every decision of a run shares."""

    roster: Roster
    writeback: Writeback
    integration_user_id: str | None
    go_live_after: datetime | None
    names: tuple[str, ...]  # the Lead fields the rules read, sorted, for fingerprints
    mql_status: str

    def owner_active(self, owner_id: str | None) -> bool:
        """Whether `owner_id` is an active user (a queue or nobody is not)."""
        return owner_id is not None and bool(self.roster.users.get(to18(owner_id), False))

    def fingerprint(self, lead: LeadInput) -> str:
        """The input fingerprint of `lead` under these facts."""
        return fingerprint(lead, self.names, self.mql_status, self.owner_active(lead.owner_id))


def roster(session: Session, integration_user_id: str | None) -> Roster:
    """Users with their active flag and the queues that take Leads, from the store."""
    known = repo_mirror.people(session)
    users = {to18(user_id): active for user_id, active in known.users.items()}
    queues = frozenset(to18(queue_id) for queue_id, takes in known.queues.items() if takes)
    return Roster(users=users, lead_queues=queues, integration_user_id=integration_user_id)


def writeback(ruleset: RuleSet, describe: SObjectDescribe) -> Writeback:
    """The rules' writeback fields with their types and lengths as the org describes them."""
    names = ruleset.writeback
    fields = describe.fields

    def kind(name: str | None, default: str) -> str:
        return fields[name].type if name and name in fields else default

    reason_length = 255
    if names.reason_field and names.reason_field in fields:
        reason_length = fields[names.reason_field].length or 255
    return Writeback(
        mql_date_field=names.mql_date_field,
        mql_date_type=kind(names.mql_date_field, "date"),
        score_field=names.score_field,
        score_type=kind(names.score_field, "double"),
        reason_field=names.reason_field,
        reason_length=reason_length,
    )


def run_facts(
    session: Session,
    ruleset: RuleSet,
    describe: SObjectDescribe | None,
    *,
    integration_user_id: str | None,
    go_live_after: datetime | None,
    now: datetime | None = None,
) -> RunFacts:
    """Everything a run's decisions share, built once per run (no describe: no writeback);
    availability is judged at `now` (default: this moment)."""
    moment = now or datetime.now(UTC)
    base = roster(session, integration_user_id)
    return RunFacts(
        roster=replace(
            base,
            people=people_at(session, ruleset, moment),
            accounts=accounts_index(session, ruleset),
        ),
        writeback=writeback(ruleset, describe) if describe is not None else Writeback(),
        integration_user_id=integration_user_id,
        go_live_after=go_live_after,
        names=tuple(sorted(ruleset.lead_fields)),
        mql_status=ruleset.statuses.mql,
    )
