"""The pull against a respx org: pages, shared timestamps, re-reads, deletes, changed fields."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.run import SalesforceFactory, run_sync
from app.settings import Settings
from app.store.models import Lead, PullSeen, SyncRun, Watermark
from tests.app.sync.conftest import Clock
from tests.fakes.org import T0, FakeOrg, lead, sf_time


def _sync(
    settings: Settings,
    sessions: sessionmaker[Session],
    sf: SalesforceFactory,
    clock: Clock,
    **kw: object,
) -> SyncRun:
    return run_sync(settings, sessions, sf, now=clock, **kw)  # type: ignore[arg-type]


def _leads(sessions: sessionmaker[Session]) -> dict[str, Lead]:
    with sessions() as session:
        return {row.id: row for row in session.scalars(select(Lead))}


class TestFirstPull:
    def test_stores_every_lead_when_many_share_a_second_across_pages(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        same_second = [lead(org, at=T0) for _ in range(450)]
        later = [lead(org, at=T0 + timedelta(seconds=s)) for s in range(1, 51)]
        clock = Clock(T0 + timedelta(hours=1))

        run = _sync(settings, sessions, sf_factory, clock)

        assert run.state == "succeeded", run.message
        stored = _leads(sessions)
        assert set(stored) == {r["Id"] for r in same_second + later}
        assert run.counts["pulled"]["Lead"] == 500
        with sessions() as session:
            mark = session.get(Watermark, "Lead")
        assert mark is not None
        assert mark.system_modstamp == T0 + timedelta(seconds=50)
        assert mark.last_id == later[-1]["Id"]


def _snapshot(sessions: sessionmaker[Session]) -> dict[str, tuple[object, ...]]:
    return {
        i: (r.status, r.owner_id, r.system_modstamp, r.fields, r.is_deleted, r.mql_at)
        for i, r in _leads(sessions).items()
    }


class TestIncrementalPull:
    def test_rereads_in_the_lookback_change_nothing(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        for s in range(30):
            lead(org, at=T0 + timedelta(seconds=s))
        clock = Clock(T0 + timedelta(hours=1))
        _sync(settings, sessions, sf_factory, clock)
        before = _snapshot(sessions)
        org.queries.clear()

        clock.now += timedelta(minutes=5)
        second = _sync(settings, sessions, sf_factory, clock)

        assert second.state == "succeeded", second.message
        lead_query = next(q for q in org.queries if "FROM Lead " in q)
        assert (
            f"SystemModstamp >= {(T0 + timedelta(seconds=29 - 60)):%Y-%m-%dT%H:%M:%SZ}"
            in lead_query
        )
        assert second.counts["pulled"]["Lead"] == 30  # all inside the 60 s lookback
        assert _snapshot(sessions) == before

    def test_picks_up_a_change_and_never_reads_past_the_run_start(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        first = lead(org, at=T0)
        clock = Clock(T0 + timedelta(hours=1))
        _sync(settings, sessions, sf_factory, clock)
        first.update(Status="Nurturing", SystemModstamp=sf_time(T0 + timedelta(hours=2)))
        future = lead(org, at=T0 + timedelta(hours=5))
        clock.now = T0 + timedelta(hours=3)

        _sync(settings, sessions, sf_factory, clock)

        stored = _leads(sessions)
        assert stored[first["Id"]].status == "Nurturing"
        assert future["Id"] not in stored  # modified after the run began: the next run's


class TestDeletes:
    def test_soft_deletes_arrive_through_query_all_and_are_marked(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        gone = lead(org, at=T0, IsDeleted=True)
        kept = lead(org, at=T0)

        run = _sync(settings, sessions, sf_factory, Clock(T0 + timedelta(hours=1)))

        stored = _leads(sessions)
        assert stored[gone["Id"]].is_deleted
        assert not stored[kept["Id"]].is_deleted
        assert run.counts["deleted"]["Lead"] == 1
        assert any(q for q in org.queries if "FROM Lead " in q)

    def test_hard_deletes_are_checked_once_a_day_and_marked_purged(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        purged = lead(org, at=T0)
        clock = Clock(T0 + timedelta(hours=1))
        _sync(settings, sessions, sf_factory, clock)
        del org.records["Lead"][purged["Id"]]
        org.deleted["Lead"].append((purged["Id"], T0 + timedelta(hours=2)))

        clock.now += timedelta(hours=3)
        _sync(settings, sessions, sf_factory, clock)
        assert not _leads(sessions)[purged["Id"]].purged  # checked less than a day ago

        clock.now += timedelta(days=1)
        run = _sync(settings, sessions, sf_factory, clock)
        row = _leads(sessions)[purged["Id"]]
        assert row.purged
        assert row.is_deleted
        assert run.counts["deleted"]["Lead"] == 1

    def test_a_full_sync_finds_rows_the_org_no_longer_holds(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        vanished, busy, kept = lead(org, at=T0), lead(org, at=T0), lead(org, at=T0)
        clock = Clock(T0 + timedelta(hours=1))
        _sync(settings, sessions, sf_factory, clock)
        del org.records["Lead"][vanished["Id"]]  # purged long ago: getDeleted no longer lists it
        clock.now += timedelta(days=30)
        busy["SystemModstamp"] = sf_time(clock.now + timedelta(seconds=5))  # after the run began

        run = _sync(settings, sessions, sf_factory, clock, full=True)

        stored = _leads(sessions)
        assert stored[vanished["Id"]].purged
        assert not stored[busy["Id"]].purged
        assert not stored[kept["Id"]].purged
        assert run.counts["deleted"]["Lead"] == 1
        assert any("WHERE Id IN" in q for q in org.queries)
        with sessions() as session:  # the Ids the read noted are gone with its reconcile
            assert session.scalar(select(func.count()).select_from(PullSeen)) == 0


class TestRulesFields:
    def test_a_field_newly_named_by_the_rules_re_pulls_every_lead(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        for s in range(5):
            lead(org, at=T0 + timedelta(seconds=s))
        clock = Clock(T0 + timedelta(days=1))
        _sync(settings, sessions, sf_factory, clock)
        settings.rules.write_text(
            settings.rules.read_text().replace(
                "thresholds:", "handoff_requires: [Email]\nthresholds:"
            )
        )
        org.queries.clear()
        clock.now += timedelta(days=1)

        run = _sync(settings, sessions, sf_factory, clock)

        lead_query = next(q for q in org.queries if "FROM Lead " in q)
        assert "Email" in lead_query
        assert "SystemModstamp >=" not in lead_query
        assert run.counts["pulled"]["Lead"] == 5
        assert all(r.fields.get("Email") == "pat@example.com" for r in _leads(sessions).values())

    def test_a_field_the_org_lacks_fails_the_run_with_a_clear_message(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        lead(org)
        settings.rules.write_text(
            settings.rules.read_text().replace(
                "thresholds:", "handoff_requires: [Shoe_Size__c]\nthresholds:"
            )
        )

        run = _sync(settings, sessions, sf_factory, Clock(T0 + timedelta(hours=1)))

        assert run.state == "failed"
        assert run.message is not None
        assert "Shoe_Size__c" in run.message
        assert "rules file" in run.message


class TestRunRecord:
    def test_dry_run_is_forced_even_when_writes_are_live(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        lead(org)
        live = settings.model_copy(update={"write_mode": "live"})

        run = _sync(live, sessions, sf_factory, Clock(T0 + timedelta(hours=1)), dry_run=True)

        assert run.dry_run
        assert run.state == "succeeded", run.message
        assert run.trigger == "cli"
        assert run.rules_version == "1"
        assert run.counts["api_calls"] > 0
        assert run.finished_at == T0 + timedelta(hours=1)

    def test_on_start_hands_over_the_running_record_before_the_pull(
        self,
        org: FakeOrg,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_factory: SalesforceFactory,
    ) -> None:
        lead(org)
        seen: list[tuple[int, str, int]] = []

        run = _sync(
            settings,
            sessions,
            sf_factory,
            Clock(T0 + timedelta(hours=1)),
            on_start=lambda r: seen.append((r.id, r.state, org.calls)),
        )

        assert seen == [(run.id, "running", 0)]
