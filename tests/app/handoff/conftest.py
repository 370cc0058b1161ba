"""A store and a fake org side by side, and a `run()` that pulls (by copying) then hands off.

The real pull is another step's; here `World.pull()` mirrors the fake org's leads into the store
the way the pull stores them (typed columns plus the raw record), so each test drives whole runs:
pull, decide, write, and the next run's pull sees what the previous run wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.handoff import HandoffInputs, HandoffReport, HandoffStep
from app.handoff.rules_file import parse_rules_text
from app.store.db import make_sessionmaker
from app.store.models import DecisionRecord, Lead, Org, Queue, SyncRun, User
from rules.ids import to18
from sf_client import AccessTokenAuth, RetryPolicy, SalesforceClient
from tests.app.handoff.fake_org import INSTANCE, FakeOrg

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ORG_ID = to18("00D000000000001")
INTEGRATION = to18("005000000000900")
REP1, REP2, REP3 = (to18(f"00500000000000{n}") for n in (1, 2, 3))
QUEUE = to18("00G000000000001")

RULES = f"""\
version: 7
statuses:
  mql: "Marketing Qualified"
  eligible_from: ["Open - Not Contacted", "Nurturing"]
  accepted: ["Working - Contacted"]
  rejected: ["Closed - Not Converted"]
fit:
  - {{field: NumberOfEmployees, op: gte, value: 100, points: 30}}
  - {{field: Title, op: matches, value: "(?i)\\\\b(vp|director)\\\\b", points: 20}}
interest:
  - {{field: LeadSource, op: in, value: ["Webinar", "Trade Show"], points: 25}}
thresholds: {{fit: 40, interest: 25}}
disqualify:
  - {{field: Email, op: ends_with, value: ["@gmail.com"]}}
handoff_requires: [Email, Phone]
assignment:
  keep_owner_if_user: true
  routes:
    - when: [{{field: Country, op: in, value: ["US", "USA"]}}]
      pool: ["{REP1}", "{REP2}"]
    - pool: ["{QUEUE}"]
writeback:
  mql_date_field: MQL_Date__c
  score_field: Lead_Score__c
  reason_field: MQL_Reason__c
"""


def lead_id(n: int) -> str:
    return to18(f"00Q{n:012d}")


def qualifying(**overrides: Any) -> dict[str, Any]:
    """A lead the rules promote (fit 50, interest 25, every required field present)."""
    return {
        "Status": "Open - Not Contacted", "OwnerId": QUEUE, "NumberOfEmployees": 500,
        "Title": "VP Sales", "LeadSource": "Webinar", "Email": "ann@acme.com",
        "Phone": "+1 555 0100", "Country": "US", "IsConverted": False,
        "CreatedDate": "2026-10-01T12:00:00.000+0000", **overrides,
    }  # fmt: skip


@dataclass
class World:
    engine: Engine
    sessions: sessionmaker[Session]
    org: FakeOrg
    rules_text: str = RULES
    taken_out: set[str] = field(default_factory=set)
    # The client of the latest run, for its API usage.
    client: SalesforceClient | None = None
    run_id: int | None = None

    def add(self, n: int, **fields: Any) -> str:
        self.org.leads[lead_id(n)] = {"Id": lead_id(n), **fields}
        return lead_id(n)

    def pull(self) -> None:
        """Mirror the org's leads into the store, as the pull step stores them."""
        with self.sessions.begin() as session:
            for lead_id_, record in self.org.leads.items():
                row = session.get(Lead, lead_id_) or Lead(id=lead_id_)
                row.status, row.owner_id = record["Status"], record["OwnerId"]
                row.is_converted = bool(record.get("IsConverted"))
                row.created_date = datetime.fromisoformat(record["CreatedDate"])
                row.system_modstamp = NOW
                row.fields = dict(record)
                row.ever_mql = bool(row.ever_mql) or record["Status"] == "Marketing Qualified"
                row.taken_out_of_mql_by_person = lead_id_ in self.taken_out
                row.is_open_mql = record["Status"] == "Marketing Qualified"
                session.add(row)

    def run(
        self,
        *,
        dry_run: bool = False,
        max_writes: int = 2000,
        go_live_after: datetime | None = None,
    ) -> HandoffReport:
        """One run: pull, then the handoff step on a fresh client (as each run builds one)."""
        self.pull()
        with self.sessions.begin() as session:
            run = SyncRun(
                started_at=NOW, state="running", trigger="cli", dry_run=dry_run, counts={}
            )
            session.add(run)
            session.flush()
            run_id = run.id
        client = SalesforceClient(
            httpx.Client(),
            AccessTokenAuth(INSTANCE, "00Dxx!secret-token"),
            retry=RetryPolicy(max_attempts=2, lock_row_rounds=1),
            sleep=lambda _seconds: None,
        )
        self.client, self.run_id = client, run_id
        inputs = HandoffInputs(
            sessions=self.sessions, sf=client,
            ruleset=parse_rules_text(self.rules_text, "rules.yaml"), rules_source="rules.yaml",
            integration_user_id=INTEGRATION, now=lambda: NOW, run_id=run_id, dry_run=dry_run,
            go_live_after=go_live_after, max_writes_per_run=max_writes, write_concurrency=4,
        )  # fmt: skip
        return HandoffStep(inputs).run()


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        session.add(Org(org_id=ORG_ID, integration_user_id=INTEGRATION, updated_at=NOW))
        for user in (REP1, REP2, REP3, INTEGRATION):
            session.add(User(id=user, name=user, is_active=True, fields={}))
        session.add(Queue(id=QUEUE, name="Leads", takes_leads=True))
    org = FakeOrg()
    with respx.mock(assert_all_called=False) as router:
        org.install(router)
        yield World(engine, sessions, org)


def decisions_of(world: World, lead: str) -> list[DecisionRecord]:
    with world.sessions() as session:
        return list(
            session.scalars(
                select(DecisionRecord)
                .where(DecisionRecord.lead_id == lead)
                .order_by(DecisionRecord.id)
            )
        )
