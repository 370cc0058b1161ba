"""The pull against `sfsim` over HTTPS on loopback: real sockets, a real SOQL engine, a real
`handoff sync` process killed between pages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.run import run_sync
from app.settings import Settings
from app.store.models import Lead, MqlEpisode, SyncRun
from sfsim.server import Server, serve
from tests.app.sync.conftest import Clock, sim_org_with_a_rep, sim_rules
from tests.fakes.sim_org import client_factory

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
MQL = "Marketing Qualified"


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    """A simulated org with 450 leads created in the same second, served over HTTPS."""
    org, rep = sim_org_with_a_rep(START)
    for n in range(450):
        org.insert("Lead", {"LastName": f"L{n}", "Company": "Acme", "Country": "US"})
    (tmp_path / "rules.yaml").write_text(sim_rules(rep), encoding="utf-8")
    with serve(org, tls=True) as server:
        yield server, rep


@pytest.fixture
def sim_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        rules=tmp_path / "rules.yaml",
        pull_batch_size=200,
    )


def _lead_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Lead)) or 0)


class TestAgainstSfsim:
    def test_first_and_incremental_pull_store_what_the_org_holds(
        self,
        sim: tuple[Server, str],
        sim_settings: Settings,
        sessions: sessionmaker[Session],
    ) -> None:
        server, rep = sim
        clock = Clock(START + timedelta(minutes=5))
        server.org.clock.pin(START + timedelta(minutes=1))

        first = run_sync(sim_settings, sessions, client_factory(server), now=clock)

        assert first.state == "succeeded", first.message
        assert _lead_count(sessions) == 450
        assert first.counts["pulled"]["Lead"] == 450
        lead_id = server.org.table("Lead").id_of(0)
        server.org.clock.pin(START + timedelta(minutes=10))
        server.org.update("Lead", lead_id, {"Status": MQL}, user_id=rep)
        clock.now = START + timedelta(minutes=15)

        second = run_sync(sim_settings, sessions, client_factory(server), now=clock)

        assert second.state == "succeeded", second.message
        with sessions() as session:
            episode = session.scalars(select(MqlEpisode).where(MqlEpisode.lead_id == lead_id)).one()
        assert episode.evidence == "history"
        assert episode.started_at == START + timedelta(minutes=10)


@pytest.mark.slow
class TestKilledProcess:
    def test_a_sigkilled_sync_loses_at_most_one_page_and_the_next_run_finishes(
        self,
        sim: tuple[Server, str],
        sim_settings: Settings,
        sessions: sessionmaker[Session],
        tmp_path: Path,
    ) -> None:
        server, _rep = sim
        env = {
            **os.environ,
            "HANDOFF_DATABASE_URL": sim_settings.database_url,
            "HANDOFF_RULES": str(sim_settings.rules),
            "HANDOFF_PULL_BATCH_SIZE": "200",
            "SF_INSTANCE_URL": server.base_url,
            "SF_ACCESS_TOKEN": server.access_token,
            "SF_CA_BUNDLE": str(server.ca_file),
        }
        handoff = str(Path(sys.executable).parent / "handoff")

        killed = subprocess.run(
            [handoff, "sync"],
            env={**env, "HANDOFF_CRASH_AT": "after_pull_page"},
            cwd=tmp_path,
            capture_output=True,
            check=False,
        )

        assert killed.returncode == -signal.SIGKILL
        assert _lead_count(sessions) == 200  # the first page, committed with its watermark
        # At once: the dead holder's lock went with its process (no lease to wait out).
        done = subprocess.run(
            [handoff, "sync"], env=env, cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert "state=succeeded" in done.stdout
        assert _lead_count(sessions) == 450
        with sessions() as session:
            states = [r.state for r in session.scalars(select(SyncRun).order_by(SyncRun.id))]
        assert states == ["failed", "succeeded"]  # the killed run is closed as abandoned


class TestSfsimFaults:
    def test_query_timeouts_narrow_the_window_and_every_lead_arrives(
        self, sim: tuple[Server, str], sim_settings: Settings, sessions: sessionmaker[Session]
    ) -> None:
        server, _rep = sim
        with server.org.lock:
            server.org.faults.query_timeouts = 2

        run = run_sync(
            sim_settings, sessions, client_factory(server), now=Clock(START + timedelta(minutes=5))
        )

        assert run.state == "succeeded", run.message
        assert _lead_count(sessions) == 450

    def test_the_daily_limit_stops_the_run_and_the_next_one_finishes(
        self, sim: tuple[Server, str], sim_settings: Settings, sessions: sessionmaker[Session]
    ) -> None:
        server, _rep = sim
        with server.org.lock:
            server.org.faults.api_max = server.org.faults.api_used + 9  # runs out mid-pull
        clock = Clock(START + timedelta(minutes=5))

        stopped = run_sync(sim_settings, sessions, client_factory(server), now=clock)

        assert stopped.state == "failed"
        assert stopped.error_kind == "api_limit"
        stored = _lead_count(sessions)
        assert 0 < stored < 450
        with server.org.lock:
            server.org.faults.api_max = 100_000
        clock.now += timedelta(hours=6)
        again = run_sync(sim_settings, sessions, client_factory(server), now=clock)
        assert again.state == "succeeded", again.message
        assert _lead_count(sessions) == 450


def _bulk_calls(server: Server) -> int:
    return sum(1 for e in server.org.log.entries() if "/jobs/query" in e.path)


class TestBulkPulls:
    def test_a_big_full_pull_reads_through_a_bulk_job_and_increments_stay_on_rest(
        self,
        sim: tuple[Server, str],
        sim_settings: Settings,
        sessions: sessionmaker[Session],
    ) -> None:
        server, rep = sim
        for row in range(0, 450, 3):
            lead = server.org.table("Lead").id_of(row)
            values = {"NumberOfEmployees": 250, "Status": "Open - Not Contacted"}
            server.org.update("Lead", lead, values, user_id=rep)
        settings = sim_settings.model_copy(update={"bulk_threshold": 100})
        clock = Clock(START + timedelta(minutes=5))
        server.org.clock.pin(START + timedelta(minutes=1))

        first = run_sync(settings, sessions, client_factory(server), now=clock)

        assert first.state == "succeeded", first.message
        assert first.counts["pulled"]["Lead"] == 450 + 200  # the REST page is read again
        assert _lead_count(sessions) == 450
        # create, at least one poll, one results page, delete
        assert _bulk_calls(server) >= 4
        with sessions() as session:
            leads = session.scalars(select(Lead)).all()
            assert {lead.is_converted for lead in leads} == {False}
            sizes = sorted((lead.fields["NumberOfEmployees"] for lead in leads), key=str)
            assert (sizes.count(250), sizes.count(None)) == (150, 300)
            assert leads[0].fields["CreatedDate"] == "2026-10-01T09:00:00.000+0000"
            assert first.counts["qualified"] == 150

        server.org.log.clear()
        clock.now = START + timedelta(minutes=15)
        second = run_sync(settings, sessions, client_factory(server), now=clock)
        assert second.state == "succeeded", second.message
        assert _bulk_calls(server) == 0

    def test_a_failed_bulk_job_falls_back_to_rest(
        self,
        sim: tuple[Server, str],
        sim_settings: Settings,
        sessions: sessionmaker[Session],
    ) -> None:
        server, _rep = sim
        server.org.faults.bulk_failures = 1
        settings = sim_settings.model_copy(update={"bulk_threshold": 100})
        server.org.clock.pin(START + timedelta(minutes=1))

        run = run_sync(
            settings, sessions, client_factory(server), now=Clock(START + timedelta(minutes=5))
        )

        assert run.state == "succeeded", run.message
        assert _lead_count(sessions) == 450
        assert server.org.faults.bulk_failures == 0
