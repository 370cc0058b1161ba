"""A store and a fake org side by side, and a `run()` that pulls then hands off, for real.

`World.run()` reads the org through the real pull (`app.sync`: mirror, facts) into the store,
runs the handoff step on a client of its own (as each run builds one), and folds the writes that
landed back in, as `run_sync` does; only the lock and the run record are left out, so a test
sees the handoff's typed report and its errors. Each read is a full one, so a test may edit the
fake org's records in place between runs, as a person would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.handoff import HandoffInputs, HandoffReport, HandoffStep
from app.handoff.rules_file import parse_rules_text
from app.settings import Settings
from app.store.db import make_sessionmaker
from app.store.models import DecisionRecord, SyncRun
from app.sync import PullInputs, PullStep
from app.sync.org import OrgProfile, read_org
from app.sync.own_writes import fold_own_writes
from rules.ids import to18
from sf_client import AccessTokenAuth, RetryPolicy, SalesforceClient
from tests.fakes.org import INSTANCE, INTEGRATION_USER, QUEUE, REP, REP_2, FakeOrg

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
INTEGRATION = INTEGRATION_USER
REP1, REP2 = REP, REP_2
REP3 = to18("005000000000003")

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
    # The handoff client of the latest run (its API usage), the run's id, and the requests the
    # org received from the handoff step of that run.
    client: SalesforceClient | None = None
    run_id: int | None = None
    handoff_requests: list[httpx.Request] = field(default_factory=list)
    # The org as the latest pull read it.
    profile: OrgProfile | None = None

    def add(self, n: int, **fields: Any) -> str:
        """A Lead as the API returns it (every field the pull selects present)."""
        created = fields.get("CreatedDate", "2026-10-01T12:00:00.000+0000")
        record = {
            "Id": lead_id(n), "IsDeleted": False, "ConvertedDate": None,
            "ConvertedOpportunityId": None, "MasterRecordId": None, "LastModifiedById": REP3,
            "SystemModstamp": created, "CreatedDate": created, **fields,
        }  # fmt: skip
        self.org.add("Lead", **record)
        return lead_id(n)

    def person_edits(self, lead: str, **fields: Any) -> None:
        """A person changes a lead in the org (the next pull reads it)."""
        self.org.leads[lead].update(fields, LastModifiedById=REP3)

    def _client(self) -> SalesforceClient:
        return SalesforceClient(
            httpx.Client(),
            AccessTokenAuth(INSTANCE, "00Dxx!secret-token"),
            retry=RetryPolicy(max_attempts=2, lock_row_rounds=1),
            sleep=lambda _seconds: None,
        )

    def _on_org(self, step: Callable[[SalesforceClient], Any]) -> Any:
        """Run `step` against the org through its own respx mock, with respx's checks on: a
        request the org does not serve, or a step that never reached it, fails the test."""
        with respx.mock() as router:
            self.org.install(router)
            return step(self._client())

    def _pull_inputs(self, sf: SalesforceClient) -> PullInputs:
        ruleset = parse_rules_text(self.rules_text, "rules.yaml")
        return PullInputs(sessions=self.sessions, sf=sf, ruleset=ruleset, now=lambda: NOW,
                          full=True)  # fmt: skip

    def pull(self) -> None:
        """Read the org into the store through the real pull (mirror and facts)."""

        def step(sf: SalesforceClient) -> OrgProfile:
            with self.sessions() as session:
                org = read_org(session, sf, sf.identity(), now=NOW)
                session.commit()
            PullStep(self._pull_inputs(sf), org).run(NOW)
            return org

        self.profile = self._on_org(step)

    def run(self, **options: Any) -> HandoffReport:
        """One run: pull, then `hand_off(**options)`."""
        self.pull()
        return self.hand_off(**options)

    def hand_off(
        self,
        *,
        dry_run: bool = False,
        max_writes: int = 2000,
        go_live_after: datetime | None = None,
    ) -> HandoffReport:
        """The handoff step on what the store holds, then our landed writes folded back in."""
        with self.sessions.begin() as session:
            run = SyncRun(
                started_at=NOW, state="running", trigger="cli", dry_run=dry_run, counts={}
            )
            session.add(run)
            session.flush()
            run_id = run.id
        self.run_id = run_id
        before = len(self.org.requests)

        def handoff(sf: SalesforceClient) -> HandoffReport:
            self.client = sf
            inputs = HandoffInputs(
                sessions=self.sessions, sf=sf,
                ruleset=parse_rules_text(self.rules_text, "rules.yaml"), rules_source="rules.yaml",
                integration_user_id=INTEGRATION, now=lambda: NOW, run_id=run_id, dry_run=dry_run,
                go_live_after=go_live_after, max_writes_per_run=max_writes, write_concurrency=4,
            )  # fmt: skip
            try:
                return HandoffStep(inputs).run()
            finally:
                self.handoff_requests = self.org.requests[before:]

        report: HandoffReport = self._on_org(handoff)
        if not dry_run:  # the fold reads and writes the store only
            assert self.client is not None
            assert self.profile is not None
            fold_own_writes(self._pull_inputs(self.client), self.profile, run_id)
        return report


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Live settings for the tests against `sfsim`, whose rules they write to rules.yaml."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url, rules=tmp_path / "rules.yaml", write_mode="live",
    )  # fmt: skip


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def world(engine: Engine) -> World:
    org = FakeOrg()
    org.add("User", Id=REP3, Name="Rep 3", IsActive=True, UserType="Standard")
    return World(engine, make_sessionmaker(engine), org)


def decisions_of(world: World, lead: str) -> list[DecisionRecord]:
    with world.sessions() as session:
        return list(
            session.scalars(
                select(DecisionRecord)
                .where(DecisionRecord.lead_id == lead)
                .order_by(DecisionRecord.id)
            )
        )
