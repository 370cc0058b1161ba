"""The whole loop over real HTTP: `handoff serve` syncing `python -m sfsim serve` on a schedule.

Statuses and owners the service decides appear in the simulated org; a person's change made in
the org afterwards is respected; the report endpoints agree with what the seeded org holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.store.models import Decision, Lead, SyncRun
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
            select(Decision.lead_id, Decision.planned)
            .where(Decision.write_state == "written", Decision.dry_run.is_(False))
            .order_by(Decision.id)
        ).all()
    )
    return {
        lead: {k: v for k, v in (planned or {}).items() if k in ("Status", "OwnerId")}
        for lead, planned in rows
    }


def _closed_opportunities(sim: Sim) -> tuple[int, int, float, float]:
    won = lost = 0
    won_amount = lost_amount = 0.0
    with sim.client() as sf:
        for opp in sf.query("SELECT IsWon, Amount FROM Opportunity WHERE IsClosed = true"):
            amount = float(opp["Amount"] or 0)
            if opp["IsWon"]:
                won, won_amount = won + 1, won_amount + amount
            else:
                lost, lost_amount = lost + 1, lost_amount + amount
    return won, lost, won_amount, lost_amount


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
        won, lost, won_amount, lost_amount = _closed_opportunities(stack.sim)
        assert (winloss["all"]["won"], winloss["all"]["lost"]) == (won, lost)
        assert winloss["all"]["won_amount"] == pytest.approx(won_amount)
        assert winloss["all"]["lost_amount"] == pytest.approx(lost_amount)
        assert winloss["mql_only"]["won"] + winloss["excluding_mql"]["won"] == won
        assert winloss["mql_only"]["lost"] + winloss["excluding_mql"]["lost"] == lost

    def test_a_person_taking_a_lead_out_of_mql_or_reassigning_it_is_respected(
        self, stack: Stack
    ) -> None:
        last = stack.service.wait_for_run(settled, timeout=90)
        promoted = sorted(
            lead for lead, values in _written(stack.service).items() if values.get("Status") == MQL
        )
        assert len(promoted) >= 2
        taken_out, reassigned = promoted[0], promoted[1]
        org = stack.sim.leads()
        person = org[taken_out][1] if org[taken_out][1].startswith("005") else None
        by = {"user": person} if person else {}
        new_owner = next(
            o for _, o in org.values() if o.startswith("005") and o != org[reassigned][1]
        )

        stack.sim.control(
            "POST", "act/update", {"id": taken_out, "fields": {"Status": "Nurturing"}, **by}
        )
        stack.sim.control(
            "POST", "act/update", {"id": reassigned, "fields": {"OwnerId": new_owner}, **by}
        )
        stack.service.wait_for_run(lambda runs: runs[-1].id >= last.id + 2, timeout=60)

        after = stack.sim.leads()
        assert after[taken_out][0] == "Nurturing"
        assert after[reassigned][1] == new_owner
        mirror = stack.service.read(lambda s: s.get(Lead, taken_out))
        assert mirror is not None
        assert mirror.taken_out_of_mql_by_person
