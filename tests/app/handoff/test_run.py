"""Whole handoff runs against the fake org, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.handoff import WriteCapExceeded
from app.handoff.rules_file import RulesFileError
from app.store import repo_runs
from app.store.models import RoundRobin, User, Write
from tests.app.handoff.conftest import (
    QUEUE,
    REP1,
    REP2,
    REP3,
    RULES,
    World,
    decisions_of,
    qualifying,
)
from tests.app.handoff.fake_org import FakeOrg

MQL = "Marketing Qualified"


class TestFirstLiveRun:
    def test_promotes_exactly_the_qualifying_leads_with_balanced_owners(self, world: World):
        promoted = [world.add(n, **qualifying()) for n in range(1, 8)]
        outside = world.add(20, **qualifying(Status="Working - Contacted"))
        disqualified = world.add(21, **qualifying(Email="ann@gmail.com"))
        held = world.add(22, **qualifying(Phone=None))
        weak = world.add(23, **qualifying(LeadSource="Cold Call"))

        report = world.run()

        leads = world.org.leads
        assert {i for i, lead in leads.items() if lead["Status"] == MQL} == set(promoted)
        owners = Counter(leads[i]["OwnerId"] for i in promoted)
        assert set(owners) == {REP1, REP2}
        assert abs(owners[REP1] - owners[REP2]) <= 1
        for untouched in (outside, disqualified, held, weak):
            assert leads[untouched]["OwnerId"] == QUEUE
        assert leads[promoted[0]]["MQL_Date__c"] == "2026-11-02"
        assert leads[promoted[0]]["Lead_Score__c"] == 75
        assert leads[promoted[0]]["MQL_Reason__c"].startswith("MQL (rules v7)")
        counts = report
        assert (counts.promoted, counts.written, counts.held) == (7, 7, 1)
        assert counts.held_by_field == {"Phone": 1}
        assert counts.decided == 11

    def test_every_write_turns_assignment_rules_off(self, world: World):
        for n in range(1, 4):
            world.add(n, **qualifying())
        world.run()
        patches = world.org.writes()
        assert patches
        assert all(r.headers["Sforce-Auto-Assign"] == "FALSE" for r in patches)

    def test_non_us_lead_goes_to_the_catch_all_queue_and_keeps_an_active_owner(self, world: World):
        abroad = world.add(1, **qualifying(Country="France", OwnerId=REP3))
        world.run()
        assert world.org.leads[abroad]["OwnerId"] == REP3
        assert world.org.leads[abroad]["Status"] == MQL

    def test_leads_created_before_go_live_are_never_promoted(self, world: World):
        old = world.add(1, **qualifying(CreatedDate="2026-08-31T23:59:59.000+0000"))
        new = world.add(2, **qualifying(CreatedDate="2026-09-01T00:00:00.000+0000"))
        world.run(go_live_after=datetime(2026, 9, 1, tzinfo=UTC))
        assert world.org.leads[old]["Status"] == "Open - Not Contacted"
        assert world.org.leads[new]["Status"] == MQL
        assert decisions_of(world, old)[-1].ineligible_reason == "created before go-live"


class TestSecondRun:
    def test_sends_nothing_when_nothing_changed(self, world: World):
        for n in range(1, 5):
            world.add(n, **qualifying())
        world.run()
        calls = len(world.org.calls)
        report = world.run()
        assert report.decided == 0
        new_calls = world.org.calls[calls:]
        assert [r.url.path.rsplit("/", 1)[-1] for r in new_calls] == ["describe"]

    def test_a_person_taking_a_lead_out_of_mql_is_never_undone(self, world: World):
        lead = world.add(1, **qualifying())
        world.run()
        world.org.leads[lead]["Status"] = "Nurturing"
        world.taken_out.add(lead)
        report = world.run()
        assert world.org.leads[lead]["Status"] == "Nurturing"
        assert report.written == 0
        assert decisions_of(world, lead)[-1].ineligible_reason == "taken out of MQL by a person"

    def test_a_rules_change_decides_every_lead_again(self, world: World):
        lead = world.add(1, **qualifying(LeadSource="Trade Show"))
        other = world.add(2, **qualifying(Status="Working - Contacted"))
        world.rules_text = RULES.replace('"Webinar", "Trade Show"', '"Webinar"')
        world.run()
        assert world.org.leads[lead]["Status"] == "Open - Not Contacted"
        world.rules_text = RULES
        report = world.run()
        assert report.decided == 2
        assert world.org.leads[lead]["Status"] == MQL
        assert len(decisions_of(world, other)) == 2


class TestPeopleAndPlaceholders:
    def test_person_set_mql_at_a_queue_gets_an_owner_and_keeps_its_status(self, world: World):
        lead = world.add(1, **qualifying(Status=MQL, OwnerId=QUEUE))
        world.run()
        assert world.org.leads[lead]["OwnerId"] in (REP1, REP2)
        assert world.org.leads[lead]["Status"] == MQL
        patch = json.loads(world.org.writes()[0].content)["records"][0]
        assert "Status" not in patch

    def test_an_mql_held_by_a_deactivated_user_gets_an_active_owner(self, world: World):
        lead = world.add(1, **qualifying(Status=MQL, OwnerId=REP3))
        with world.sessions.begin() as session:
            session.get(User, REP3).is_active = False
        world.run()
        assert world.org.leads[lead]["OwnerId"] in (REP1, REP2)

    def test_a_change_between_read_and_write_is_respected_and_decided_again(self, world: World):
        lead = world.add(1, **qualifying())
        kept = world.add(2, **qualifying())

        def person_works_the_lead(org: FakeOrg) -> None:
            org.leads[lead]["Status"] = "Working - Contacted"
            org.leads[lead]["OwnerId"] = REP3

        world.org.before_read.append(person_works_the_lead)
        report = world.run()
        assert world.org.leads[lead]["Status"] == "Working - Contacted"
        assert world.org.leads[lead]["OwnerId"] == REP3
        assert world.org.leads[kept]["Status"] == MQL
        assert report.skipped_changed == 1
        states = [d.write_state for d in decisions_of(world, lead)]
        assert states == ["skipped_changed", "none"]


class TestFailures:
    def test_a_503_burst_is_queued_and_written_by_the_next_run(self, world: World):
        leads = [world.add(n, **qualifying()) for n in range(1, 4)]
        world.org.writes_unavailable = 2  # both attempts the client makes
        report = world.run()
        assert (report.failed, report.queued_for_retry) == (3, 3)
        assert all(world.org.leads[i]["Status"] != MQL for i in leads)
        report = world.run()
        assert (report.written, report.queued_for_retry) == (3, 0)
        assert all(world.org.leads[i]["Status"] == MQL for i in leads)

    def test_lock_errors_are_retried_until_they_succeed(self, world: World):
        leads = [world.add(n, **qualifying()) for n in range(1, 4)]
        world.org.failing[leads[0]] = "UNABLE_TO_LOCK_ROW"
        first = world.run()
        assert (first.written, first.queued_for_retry) == (2, 1)
        owner_before = decisions_of(world, leads[0])[-1].planned["OwnerId"]
        second = world.run()
        assert (second.written, second.queued_for_retry) == (1, 0)
        assert world.org.leads[leads[0]]["OwnerId"] == owner_before
        assert len(decisions_of(world, leads[0])) == 1

    def test_a_permanent_failure_is_named_and_not_retried(self, world: World):
        lead = world.add(1, **qualifying())
        world.org.failing[lead] = "FIELD_CUSTOM_VALIDATION_EXCEPTION"
        first = world.run()
        assert (first.failed_permanently, first.queued_for_retry) == (1, 0)
        with world.sessions() as session:
            [write] = session.scalars(select(Write).where(Write.lead_id == lead))
            named = repo_runs.permanent_failures(session, world.run_id)
        assert write.error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
        assert named == [f"{lead}: FIELD_CUSTOM_VALIDATION_EXCEPTION ({write.message})"]
        assert first.counts.failed_by_code == {"FIELD_CUSTOM_VALIDATION_EXCEPTION": 1}
        second = world.run()
        assert second.written == 0

    def test_a_write_whose_answer_was_lost_is_not_sent_twice(self, world: World):
        leads = [world.add(n, **qualifying()) for n in range(1, 3)]
        world.org.answers_lost = 2
        first = world.run()
        assert first.queued_for_retry == 2
        values = {i: dict(world.org.leads[i]) for i in leads}
        patches = len(world.org.writes())
        second = world.run()
        assert len(world.org.writes()) == patches
        assert second.written == 2
        assert {i: world.org.leads[i] for i in leads} == values
        assert all(decisions_of(world, i)[-1].write_state == "written" for i in leads)


class TestModesAndLimits:
    def test_dry_run_writes_nothing_and_uses_no_turns(self, world: World):
        for n in range(1, 4):
            world.add(n, **qualifying())
        report = world.run(dry_run=True)
        assert report.promoted == 3
        assert world.org.writes() == []
        with world.sessions() as session:
            assert session.scalars(select(RoundRobin)).all() == []
        live = world.run()
        assert live.decided == 3
        assert live.written == 3

    def test_the_write_cap_stops_the_run_before_any_write(self, world: World):
        for n in range(1, 6):
            world.add(n, **qualifying())
        with pytest.raises(WriteCapExceeded, match="HANDOFF_MAX_WRITES_PER_RUN=5"):
            world.run(max_writes=4)
        assert world.org.writes() == []
        report = world.run(max_writes=5)
        assert report.written == 5

    def test_rules_that_do_not_fit_the_org_fail_before_any_decision(self, world: World):
        world.add(1, **qualifying())
        world.rules_text = RULES.replace("field: Title", "field: Job_Title__c")
        with pytest.raises(RulesFileError, match=r"rules.yaml:\d+: fit\[1\]"):
            world.run()
        assert decisions_of(world, world.org.leads.popitem()[0]) == []

    def test_api_calls_stay_within_the_economy_bound(self, world: World):
        written = 450
        for n in range(1, written + 1):
            world.add(n, **qualifying())
        report = world.run()
        assert report.written == written
        updates = len(world.org.writes())
        checks = len(world.org.queries())
        assert updates == math.ceil(written / 200)
        assert checks == math.ceil(written / 600)  # one re-read per group of 3 chunks
        assert world.client is not None
        assert world.client.usage.calls == updates + checks + 1  # + describe
