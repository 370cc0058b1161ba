"""A store filled the way a pull fills it, for API and report tests.

A test describes the org in Salesforce's own records (Lead, LeadHistory, Task, Event,
Opportunity, User, queue Group), built by `tests.fakes.org` in the REST API's shape, and `store`
puts them through the pull's own code: users and queues as `read_org` mirrors them, then each
object in pull order through its mirror upsert (`app.sync.objects`), with the MQL, SLA and
opportunity facts of what it touched derived by `app.sync.fact_refresh`. So a report is tested on
facts our code derived, never on facts a test wrote: an MQL time is a LeadHistory row into the
MQL status, a first touch a completed Task by a rep, an MQL-originated opportunity one converted
from a lead that reached MQL.

The facts are derived with the rules file the API tests serve (`RULES_YAML_EXAMPLE`: a 24-hour
first touch on the wall clock, stale after 14 days) in an org on UTC. Our own rows (runs,
decisions, write attempts) go in through the repositories the run uses.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.rules import RULES_YAML_EXAMPLE
from app.sla_policy import sla_policy
from app.store import repo_decisions, repo_facts, repo_mirror, repo_runs, repo_writes
from app.store.models import (
    DecisionRecord,
    Lead,
    MqlEpisode,
    Opportunity,
    Queue,
    SyncRun,
    User,
)
from app.store.states import WriteState
from app.sync import fact_refresh
from app.sync.mql_facts import FactRules
from app.sync.objects import object_pulls
from app.sync.org import OrgProfile, queue_row, user_row
from app.sync.pull_all import fact_rules, rule_lead_fields
from rules import RuleSet, parse_rules
from tests.fakes import org as sf
from tests.fakes.org import INTEGRATION_USER, MQL, ORG_ID, REP, STATUSES, Records

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
CREATED = T0 - 40 * DAY
ACCEPTED = "Working - Contacted"
REJECTED = "Closed - Not Converted"
CONVERTED = "Closed - Converted"
# One Id sequence for every store a test fills, so records of separate calls never collide.
_IDS = itertools.count(1)
ORG = OrgProfile(
    org_id=ORG_ID,
    integration_user_id=INTEGRATION_USER,
    time_zone="UTC",
    fiscal_year_start_month=1,
    lead_statuses=STATUSES,
    converted_statuses=(CONVERTED,),
)


def records() -> Records:
    """An empty set of org records to describe a scenario in, for `store`."""
    return Records(ids=_IDS)


@cache
def ruleset() -> RuleSet:
    return parse_rules(RULES_YAML_EXAMPLE)


def rules_for(session: Session) -> FactRules:
    """The fact rules a pull derives with, for the API tests' rules file."""
    return fact_rules(ruleset(), ORG, sla=sla_policy(session, ruleset()))


def store(
    session: Session, org: Records, *, now: datetime = T0, rules: FactRules | None = None
) -> None:
    """Store `org`'s records as a pull stores a page of each object, facts included (no commit).

    Users and queues first (`read_org`), then Lead, LeadHistory, Opportunity, Task, Event: each
    through its mirror store, then the facts of the leads and opportunities it touched, in the
    order and with the code the pull uses.
    """
    rules = rules or rules_for(session)
    session.flush()
    found = org.records
    repo_mirror.replace_users(session, [user_row(r) for r in found["User"].values()])
    takes_leads = {r["QueueId"] for r in found["QueueSobject"].values()}
    groups = [r for r in found["Group"].values() if r.get("Type") == "Queue"]
    queues = [queue_row(r, takes_leads=r["Id"] in takes_leads) for r in groups]
    repo_mirror.replace_queues(session, queues)
    for spec in object_pulls(rule_lead_fields(ruleset()), ORG.time_zone):
        page = list(found[spec.sobject].values())
        if not page:
            continue
        touched = spec.store(session, page)
        fact_refresh.store_page_leads(session, touched.lead_rows, rules, now)
        fact_refresh.refresh_leads(session, touched.leads, rules, now)
        fact_refresh.refresh_opportunities(session, touched.opportunities, rules)
    _expire_mirror(session)


def _expire_mirror(session: Session) -> None:
    """Loaded mirror rows read again: the upserts and fact updates bypass the identity map."""
    session.flush()
    for row in list(session.identity_map.values()):
        if isinstance(row, (Lead, Opportunity, MqlEpisode, User, Queue)):
            session.expire(row)


def purge(session: Session, lead_ids: Iterable[str], *, now: datetime = T0) -> None:
    """Leads getDeleted reports purged from the org: marked and their facts derived again."""
    ids = list(lead_ids)
    repo_mirror.mark_purged(session, Lead, ids)
    fact_refresh.refresh_leads(session, ids, rules_for(session), now)
    _expire_mirror(session)


# --- one record set per call, stored at once ---------------------------------------------------


def user(session: Session, name: str, **fields: Any) -> User:
    org = records()
    record = sf.user(org, name, **fields)
    store(session, org)
    found = session.get(User, record["Id"])
    assert found is not None
    return found


def _lead_row(session: Session, record: dict[str, Any]) -> Lead:
    found = session.get(Lead, record["Id"])
    assert found is not None
    return found


def lead(session: Session, *, at: datetime = CREATED, **fields: Any) -> Lead:
    """A Lead created at `at`, with Salesforce's field names (`Status`, `OwnerId`, ...)."""
    org = records()
    record = sf.lead(org, at=at, **fields)
    store(session, org)
    return _lead_row(session, record)


def mql_records(
    org: Records,
    *,
    mql_at: datetime,
    touches: Iterable[datetime] = (),
    left_at: datetime | None = None,
    to_status: str = ACCEPTED,
    by: str = REP,
    created: datetime | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A lead created at `created`, that entered MQL at `mql_at` (its LeadHistory row), touched
    by a rep's completed Tasks at `touches`, and, with `left_at`, moved on to `to_status` (another
    history row)."""
    created = created or min(CREATED, mql_at - DAY)
    last = left_at or mql_at
    values: dict[str, Any] = {"Status": MQL, "SystemModstamp": sf.sf_time(last)}
    if left_at is not None:
        values["Status"] = to_status
        values["LastModifiedById"] = by
    record = sf.lead(org, at=created, **(values | fields))
    sf.history(org, record["Id"], "Open - Not Contacted", MQL, mql_at, by=by)
    if left_at is not None:
        sf.history(org, record["Id"], MQL, to_status, left_at, by=by)
    for touched_at in touches:
        sf.activity(org, "Task", record["Id"], touched_at)
    return record


def open_mql(
    session: Session,
    *,
    mql_at: datetime,
    first_touch_at: datetime | None = None,
    last_touch_at: datetime | None = None,
    **fields: Any,
) -> Lead:
    """A lead in MQL since `mql_at`, with a rep's completed Task at each touch time given."""
    org = records()
    touches = [t for t in (first_touch_at, last_touch_at) if t is not None]
    record = mql_records(org, mql_at=mql_at, touches=touches, **fields)
    store(session, org)
    return _lead_row(session, record)


def left_mql(
    session: Session, *, mql_at: datetime, left_at: datetime, to_status: str, **fields: Any
) -> Lead:
    """A lead that was in MQL from `mql_at` until a rep moved it to `to_status` at `left_at`
    (converted, when `to_status` is the converted status)."""
    org = records()
    if to_status == CONVERTED:
        fields = {"IsConverted": True, "ConvertedDate": left_at.date().isoformat()} | fields
    record = mql_records(org, mql_at=mql_at, left_at=left_at, to_status=to_status, **fields)
    store(session, org)
    return _lead_row(session, record)


def mql_time_unknown(session: Session, **fields: Any) -> Lead:
    """An open MQL whose MQL time the store does not know.

    No record can say this: the facts code dates every MQL it sees (history, our write, or the
    run that first saw it). Only a stored episode without a start leaves the time unknown (the
    column allows it), so that one row is stored first and the facts code derives the lead's.
    """
    org = records()
    record = sf.lead(org, at=CREATED, Status=MQL, **fields)
    repo_facts.insert_episodes(
        session, [{"lead_id": record["Id"], "started_at": None, "evidence": "first_seen"}]
    )
    store(session, org)
    return _lead_row(session, record)


def opportunity(
    session: Session,
    *,
    won: bool,
    close_date: date,
    source: str | None = None,
    closed: bool = True,
    **fields: Any,
) -> Opportunity:
    """An Opportunity closing on `close_date`; `source` says how the lead it was converted from
    reached MQL: `history` (a rep set it, seen in LeadHistory), `ours` (our write set it), or
    None (no lead behind it in the store)."""
    org = records()
    record = opportunity_records(
        session, org, won=won, close_date=close_date, source=source, closed=closed, **fields
    )
    store(session, org)
    found = session.get(Opportunity, record["Id"])
    assert found is not None
    return found


def opportunity_records(
    session: Session,
    org: Records,
    *,
    won: bool,
    close_date: date,
    source: str | None = None,
    closed: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    """The records of `opportunity`, added to `org` (and our write, for `source="ours"`)."""
    values = {"CloseDate": close_date.isoformat(), "SystemModstamp": sf.sf_time(T0 - DAY)}
    record = sf.opportunity(org, at=T0 - 90 * DAY, won=won, closed=closed, **(values | fields))
    if source is None:
        return record
    if source not in ("history", "ours"):
        raise ValueError(f"source is history, ours or None, not {source!r}")
    mql_at, converted_at = T0 - 60 * DAY, T0 - 50 * DAY
    by = INTEGRATION_USER if source == "ours" else REP
    lead_record = sf.lead(
        org,
        at=mql_at - DAY,
        Status=CONVERTED,
        IsConverted=True,
        ConvertedDate=converted_at.date().isoformat(),
        ConvertedOpportunityId=record["Id"],
        SystemModstamp=sf.sf_time(converted_at),
    )
    sf.history(org, lead_record["Id"], "Open - Not Contacted", MQL, mql_at, by=by)
    sf.history(org, lead_record["Id"], MQL, CONVERTED, converted_at)
    if source == "ours":
        ours = decision(session, lead_record["Id"], mql=True, write_state="written")
        write(session, ours, success=True, attempted_at=mql_at, values={"Status": MQL})
    return record


# --- our own rows: runs, decisions and write attempts, through the store's repositories ------


def sync_run(
    session: Session,
    *,
    state: str = "succeeded",
    started_at: datetime = T0 - timedelta(minutes=10),
    finished_at: datetime | None = None,
    counts: dict[str, Any] | None = None,
    message: str | None = None,
) -> SyncRun:
    """A run opened and closed as `run_sync` does (`state="running"`: left open)."""
    run = repo_runs.start_run(
        session, started_at=started_at, trigger="schedule", full=False, dry_run=False
    )
    if state == "running":
        return run
    return repo_runs.finish_run(
        session, run.id, state=state,
        finished_at=finished_at or started_at + timedelta(seconds=30),
        counts={"pulled": {"Lead": 10}, "api_calls": 4} if counts is None else counts,
        message=message,
    )  # fmt: skip


def decision(session: Session, lead_id: str, **values: Any) -> DecisionRecord:
    """A decision stored as the handoff stores one (`insert_decisions`, head included)."""
    row = repo_decisions.DecisionRow(
        lead_id=lead_id, run_id=None, decided_at=T0, rules_version="7", rules_hash="hash-7",
        input_fingerprint="in", result_fingerprint="out", dry_run=False, mql=False, held=False,
        missing_fields=None, fit=0, interest=0, matched=None, disqualified_by=None,
        ineligible_reason=None, route_index=None, explanation="", planned=None,
        write_state=WriteState.NONE, read_status=None, read_owner_id=None,
    )  # fmt: skip
    for name, value in values.items():
        setattr(row, name, WriteState(value) if name == "write_state" else value)
    repo_decisions.insert_decisions(session, [row])
    query = select(DecisionRecord).where(DecisionRecord.lead_id == lead_id)
    return session.scalars(query.order_by(DecisionRecord.id.desc()).limit(1)).one()


def write(session: Session, row: DecisionRecord, *, success: bool, **values: Any) -> None:
    """A write attempt of `row`, kept as the handoff keeps one (`insert_writes`)."""
    attempt = {
        "decision_id": row.id,
        "lead_id": row.lead_id,
        "attempted_at": T0 + timedelta(seconds=5),
        "values": {"Status": MQL},
        "success": success,
    }
    repo_writes.insert_writes(session, [attempt | values])
