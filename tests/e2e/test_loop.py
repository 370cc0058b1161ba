"""The whole loop over real HTTP: `handoff serve` syncing `python -m sfsim serve` on a schedule.

Statuses and owners the service decides appear in the simulated org; a person's change made in
the org afterwards is respected; the report endpoints agree with what the seeded org holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.demo.org import org_placeholders
from app.store.models import DecisionRecord, Lead, SyncRun
from sf_client import format_soql
from tests.e2e.stack import MQL, Service, Sim, service_process, sim_process, write_rules

pytestmark = pytest.mark.slow


@dataclass
class Stack:
    sim: Sim
    service: Service


@pytest.fixture
def stack(database_url: str, tmp_path: Path) -> Iterator[Stack]:
    with sim_process(tmp_path) as sim:
        write_rules(sim, tmp_path / "rules.yaml")
        with service_process(sim, database_url, tmp_path / "rules.yaml", tmp_path) as service:
            yield Stack(sim, service)


def settled(runs: list[SyncRun]) -> bool:
    """The newest run succeeded, wrote nothing and owes nothing, and its pull saw every write.

    A pull reads up to its start, at Salesforce's one-second precision, so a run that starts
    within the second of the last write leaves that write to the next run's lookback.
    """
    last = runs[-1]
    writers = [r for r in runs[:-1] if r.counts.get("written", 0)]
    return (
        bool(writers)
        and last.state == "succeeded"
        and last.counts.get("written", 0) == 0
        and last.counts.get("queued_for_retry", 0) == 0
        and writers[-1].finished_at is not None
        and last.started_at >= writers[-1].finished_at + timedelta(seconds=1)
    )


def _written(service: Service) -> dict[str, dict[str, str]]:
    """Lead Id -> the Status/OwnerId values of our newest successful write to it."""
    rows = service.read(
        lambda s: s.execute(
            select(DecisionRecord.lead_id, DecisionRecord.planned)
            .where(DecisionRecord.write_state == "written", DecisionRecord.dry_run.is_(False))
            .order_by(DecisionRecord.id)
        ).all()
    )
    return {
        lead: {k: v for k, v in (planned or {}).items() if k in ("Status", "OwnerId")}
        for lead, planned in rows
    }


@dataclass
class Truth:
    """Closed opportunities as the org holds them: all, and those from leads that reached MQL."""

    won: int = 0
    lost: int = 0
    won_amount: float = 0.0
    lost_amount: float = 0.0
    mql_won: int = 0
    mql_lost: int = 0


def _seeded_truth(sim: Sim) -> Truth:
    """Counted from the org over SOQL: the SPEC's definitions applied to the raw records."""
    truth = Truth()
    with sim.client() as sf:
        reached = {
            row["LeadId"]
            for row in sf.query(
                format_soql(
                    "SELECT LeadId FROM LeadHistory WHERE Field = 'Status' AND NewValue = {}", MQL
                )
            )
        }
        mql_opportunities = {
            lead["ConvertedOpportunityId"]
            for lead in sf.query(
                "SELECT Id, ConvertedOpportunityId, MQL_Date__c FROM Lead "
                "WHERE IsConverted = true AND ConvertedOpportunityId != null"
            )
            if lead["MQL_Date__c"] or lead["Id"] in reached
        }
        for opp in sf.query("SELECT Id, IsWon, Amount FROM Opportunity WHERE IsClosed = true"):
            amount, from_mql = float(opp["Amount"] or 0), opp["Id"] in mql_opportunities
            if opp["IsWon"]:
                truth.won, truth.won_amount = truth.won + 1, truth.won_amount + amount
                truth.mql_won += from_mql
            else:
                truth.lost, truth.lost_amount = truth.lost + 1, truth.lost_amount + amount
                truth.mql_lost += from_mql
    return truth


def _succeeded_since(runs: list[SyncRun], moment: datetime) -> int:
    return sum(1 for r in runs if r.state == "succeeded" and r.started_at >= moment)


class TestLoop:
    def test_statuses_and_owners_appear_in_the_org_and_reports_match_it(self, stack: Stack) -> None:
        stack.service.wait_for_run(settled, timeout=90)

        written = _written(stack.service)
        org = stack.sim.leads()
        assert written
        assert sum(1 for values in written.values() if values.get("Status") == MQL) > 0
        assert any("OwnerId" in values for values in written.values())
        for lead_id, values in written.items():
            status, owner = org[lead_id]
            assert values.get("Status", status) == status, lead_id
            assert values.get("OwnerId", owner) == owner, lead_id

        status = stack.service.get("/handoff/status")
        assert status["mql_open"] == sum(1 for s, _ in org.values() if s == MQL)
        winloss = stack.service.get("/reports/win-loss")
        truth = _seeded_truth(stack.sim)
        assert (winloss["all"]["won"], winloss["all"]["lost"]) == (truth.won, truth.lost)
        assert winloss["all"]["won_amount"] == pytest.approx(truth.won_amount)
        assert winloss["all"]["lost_amount"] == pytest.approx(truth.lost_amount)
        mql_only = winloss["mql_only"]
        assert (mql_only["won"], mql_only["lost"]) == (truth.mql_won, truth.mql_lost)
        excluding = winloss["excluding_mql"]
        assert (excluding["won"], excluding["lost"]) == (
            truth.won - truth.mql_won,
            truth.lost - truth.mql_lost,
        )

    def test_a_person_taking_a_lead_out_of_mql_or_reassigning_it_is_respected(
        self, stack: Stack
    ) -> None:
        stack.service.wait_for_run(settled, timeout=90)
        promoted = sorted(
            lead for lead, values in _written(stack.service).items() if values.get("Status") == MQL
        )
        assert len(promoted) >= 2
        taken_out, reassigned = promoted[0], promoted[1]
        with stack.sim.client() as sf:
            people = org_placeholders(sf)
        # rep6 is in no pool and no reassign_from list: an ordinary active rep.
        rep = (
            people["rep6"] if stack.sim.leads()[reassigned][1] != people["rep6"] else people["rep5"]
        )

        changed_at = datetime.now(UTC)
        stack.sim.control(
            "POST", "act/update", {"id": taken_out, "fields": {"Status": "Nurturing"}, "user": rep}
        )
        stack.sim.control(
            "POST", "act/update", {"id": reassigned, "fields": {"OwnerId": rep}, "user": rep}
        )
        stack.service.wait_for_run(
            lambda runs: _succeeded_since(runs, changed_at + timedelta(seconds=1)) >= 2,
            timeout=60,
        )

        after = stack.sim.leads()
        assert after[taken_out][0] == "Nurturing"
        assert after[reassigned][1] == rep
        mirror = stack.service.read(lambda s: s.get(Lead, taken_out))
        assert mirror is not None
        assert mirror.taken_out_of_mql_by_person
