"""What people did in the org, noticed by the pull: set to MQL, left MQL, touched, converted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.run import SalesforceFactory, run_sync
from app.settings import Settings
from app.store.models import DecisionRecord, Lead, MqlEpisode, Opportunity, Org, Write
from tests.app.sync.conftest import Clock
from tests.app.sync.fake_org import (
    INTEGRATION_USER,
    MQL,
    REP,
    T0,
    FakeOrg,
    activity,
    change,
    history,
    lead,
    sf_time,
)

T1 = T0 + timedelta(hours=2)


class World:
    """An org, a store and a clock, synced on demand."""

    def __init__(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf: SalesforceFactory,
    ) -> None:
        self.org, self.settings, self.sessions, self.sf = org, settings, sessions, sf
        self.clock = Clock(T0 + timedelta(hours=1))

    def sync(self, at: timedelta) -> None:
        self.clock.now = T0 + at
        run = run_sync(self.settings, self.sessions, self.sf, now=self.clock)
        assert run.state == "succeeded", run.message

    def lead(self, lead_id: str) -> Lead:
        with self.sessions() as session:
            row = session.get(Lead, lead_id)
            assert row is not None
            return row

    def episodes(self, lead_id: str) -> list[MqlEpisode]:
        with self.sessions() as session:
            query = select(MqlEpisode).where(MqlEpisode.lead_id == lead_id).order_by(MqlEpisode.id)
            return list(session.scalars(query))


@pytest.fixture
def world(
    org: FakeOrg, settings: Settings, sessions: sessionmaker[Session], sf_factory: SalesforceFactory
) -> World:
    return World(org, settings, sessions, sf_factory)


class TestSetToMqlByHand:
    def test_mql_time_comes_from_lead_history(self, world: World) -> None:
        record = lead(world.org)
        world.sync(timedelta(hours=1))
        change(record, T1, Status=MQL)
        history(world.org, record["Id"], "Open - Not Contacted", MQL, T1)

        world.sync(timedelta(hours=3))

        row = world.lead(record["Id"])
        assert row.is_open_mql
        assert row.mql_at == T1
        assert row.mql_evidence == "history"
        assert [e.evidence for e in world.episodes(record["Id"])] == ["history"]

    def test_without_history_the_first_sight_is_the_mql_time(self, world: World) -> None:
        record = lead(world.org, Status=MQL)

        world.sync(timedelta(hours=1))

        row = world.lead(record["Id"])
        assert row.mql_at == T0 + timedelta(hours=1)
        assert row.mql_evidence == "first_seen"

    def test_our_own_write_is_recognised_from_the_write_records(self, world: World) -> None:
        record = lead(world.org)
        world.sync(timedelta(hours=1))
        with world.sessions() as session:
            decision = DecisionRecord(
                lead_id=record["Id"],
                decided_at=T1,
                rules_version="1",
                rules_hash="h",
                input_fingerprint="f",
            )
            session.add(decision)
            session.flush()
            session.add(
                Write(
                    decision_id=decision.id,
                    lead_id=record["Id"],
                    attempted_at=T1,
                    values={"Status": MQL, "OwnerId": REP},
                    success=True,
                )
            )
            session.commit()
        change(record, T1, Status=MQL, LastModifiedById=INTEGRATION_USER)

        world.sync(timedelta(hours=3))

        (episode,) = world.episodes(record["Id"])
        assert episode.evidence == "ours"
        assert episode.set_by_us
        assert episode.started_at == T1


class TestLeftMql:
    def test_a_person_taking_a_lead_out_of_mql_ends_its_episode(self, world: World) -> None:
        record = lead(world.org, Status=MQL)
        world.sync(timedelta(hours=1))
        left = T0 + timedelta(hours=5)
        change(record, left, Status="Working - Contacted")
        history(world.org, record["Id"], MQL, "Working - Contacted", left)

        world.sync(timedelta(hours=6))

        (episode,) = world.episodes(record["Id"])
        assert episode.ended_at == left
        assert episode.ended_kind == "accepted"
        assert episode.ended_by_id == REP
        assert episode.ended_to_status == "Working - Contacted"
        row = world.lead(record["Id"])
        assert not row.is_open_mql
        assert row.taken_out_of_mql_by_person
        assert row.first_touch_at == left
        assert row.first_touch_kind == "status"
        assert row.hours_to_first_touch == 4.0


class TestTouches:
    def test_first_touch_ignores_the_integration_user_and_open_tasks(self, world: World) -> None:
        record = lead(world.org, Status=MQL)
        world.sync(timedelta(hours=1))
        activity(world.org, "Task", record["Id"], T1, by=INTEGRATION_USER)
        activity(world.org, "Task", record["Id"], T1 + timedelta(minutes=5), closed=False)
        activity(world.org, "Event", record["Id"], T1 + timedelta(hours=1))
        activity(world.org, "Task", record["Id"], T1 + timedelta(hours=3))

        world.sync(timedelta(hours=8))

        row = world.lead(record["Id"])
        assert row.first_touch_at == T1 + timedelta(hours=1)
        assert row.first_touch_kind == "touch"
        assert row.hours_to_first_touch == 2.0
        assert row.last_touch_at == T1 + timedelta(hours=3)
        assert row.sla_clock_at == T1 + timedelta(hours=3)


class TestConversion:
    def test_conversion_ends_the_episode_and_marks_the_opportunity_mql_originated(
        self, world: World
    ) -> None:
        record = lead(world.org)
        history(world.org, record["Id"], "Open - Not Contacted", MQL, T0 + timedelta(minutes=30))
        change(record, T0 + timedelta(minutes=30), Status=MQL)
        world.sync(timedelta(hours=1))
        opp = world.org.add(
            "Opportunity",
            Id=world.org.new_id("006"),
            Name="Acme deal",
            StageName="Closed Won",
            IsClosed=True,
            IsWon=True,
            CloseDate="2026-11-20",
            Amount=5000.0,
            LeadSource="Web",
            OwnerId=REP,
            Type="New Business",
            CreatedDate=sf_time(T1),
            SystemModstamp=sf_time(T1),
        )
        change(
            record,
            T1,
            Status="Closed - Converted",
            IsConverted=True,
            ConvertedDate=T1.date().isoformat(),
            ConvertedOpportunityId=opp["Id"],
        )
        history(world.org, record["Id"], MQL, "Closed - Converted", T1)

        world.sync(timedelta(hours=3))

        (episode,) = world.episodes(record["Id"])
        assert episode.ended_kind == "converted"
        assert world.lead(record["Id"]).first_touch_kind == "conversion"
        with world.sessions() as session:
            stored = session.get(Opportunity, opp["Id"])
        assert stored is not None
        assert stored.source_lead_id == record["Id"]
        assert stored.mql_originated
        assert stored.mql_evidence == "history"
        assert stored.close_date == date(2026, 11, 20)
        assert (stored.close_month, stored.close_quarter) == ("2026-11", "2026-Q4")


class TestHistoryTracking:
    def test_the_org_row_says_whether_status_history_is_tracked(self, world: World) -> None:
        record = lead(world.org)
        world.sync(timedelta(hours=1))
        assert not self._tracked(world)
        history(world.org, record["Id"], "Open - Not Contacted", "Nurturing", T1)

        world.sync(timedelta(hours=3))

        assert self._tracked(world)

    @staticmethod
    def _tracked(world: World) -> bool:
        with world.sessions() as session:
            org = session.scalars(select(Org)).one()
            return org.lead_status_history
