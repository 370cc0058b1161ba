"""The whole loop against `sfsim` over HTTPS on loopback: pull, decide, re-check, write.

In-process runs prove the outcomes (who is promoted, who owns what, faults survived); real
`handoff sync` processes killed with SIGKILL (at each named point and at random moments) prove
that the next run converges to the org state of an uninterrupted run.
"""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.reports.handoff import handoff_status
from app.reports.models import SlaSettings
from app.run import run_sync
from app.settings import Settings
from app.store.models import DecisionRecord, SyncLock
from sfsim import FieldDef, Org, Server, edit, serve
from tests.fakes.sim_org import (
    MQL,
    add_lead_queue,
    add_reps,
    client_factory,
    webinar_rules,
    with_statuses,
)

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
QUALIFYING = 40


def rules_text(reps: list[str], queue: str) -> str:
    return webinar_rules(reps, queue, version=3, writeback=True)


@dataclass
class Sim:
    server: Server
    org: Org
    reps: list[str]
    queue: str
    expected: set[str]  # leads an uninterrupted run promotes
    untouched: set[str]  # leads no run may write


def _lead(org: Org, n: int, **fields: Any) -> str:
    values = {
        "LastName": f"L{n}", "Company": "Acme", "Status": "Open - Not Contacted",
        "NumberOfEmployees": 500, "LeadSource": "Webinar", "Email": f"l{n}@acme.com",
        "Country": "US" if n % 4 else "DE", **fields,
    }  # fmt: skip
    return org.insert("Lead", values)


def build_org() -> tuple[Org, list[str], str, set[str], set[str]]:
    org = Org()
    org.clock.pin(START)  # the records exist before any run starts
    with_statuses(org)
    for field in (
        FieldDef("MQL_Date__c", "datetime", label="MQL Date", custom=True),
        FieldDef("Lead_Score__c", "double", label="Lead Score", custom=True),
        FieldDef("MQL_Reason__c", "string", length=255, label="MQL Reason", custom=True),
    ):
        org.add_custom_field("Lead", field)
    reps = add_reps(org, 2, name="Rep{n}")
    queue = add_lead_queue(org)
    expected = {_lead(org, n, OwnerId=queue) for n in range(QUALIFYING)}
    untouched = {
        _lead(org, 100, Status="Working - Contacted", OwnerId=queue),
        _lead(org, 101, Email="x@gmail.com", OwnerId=queue),
        _lead(org, 102, Email=None, OwnerId=queue),
        _lead(org, 103, LeadSource="Cold Call", OwnerId=queue),
    }
    org.clock.release()
    return org, reps, queue, expected, untouched


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    org, reps, queue, expected, untouched = build_org()
    (tmp_path / "rules.yaml").write_text(rules_text(reps, queue), encoding="utf-8")
    with serve(org, tls=True) as server:
        yield Sim(server, org, reps, queue, expected, untouched)


factory = client_factory


def lead(org: Org, lead_id: str) -> dict[str, Any]:
    table = org.table("Lead")
    row = table.row_of(lead_id)
    assert row is not None
    return table.record(row)


def written_values(org: Org) -> dict[str, list[str]]:
    """Per lead, the outcome of every Collections write the org received."""
    seen: dict[str, list[str]] = defaultdict(list)
    for entry in org.log.entries():
        for write in entry.writes:
            if write.id is not None:
                seen[write.id].append(write.outcome)
    return seen


def assert_converged(sim: Sim) -> None:
    """The org state of an uninterrupted run: exactly the expected leads promoted, balanced."""
    promoted = {i for i in sim.expected | sim.untouched if lead(sim.org, i)["Status"] == MQL}
    assert promoted == sim.expected
    owners = Counter(lead(sim.org, i)["OwnerId"] for i in sim.expected)
    us = [owners[r] for r in sim.reps]
    assert abs(us[0] - us[1]) <= 1
    assert sum(us) + owners[sim.queue] == QUALIFYING
    for i in sim.untouched:
        assert lead(sim.org, i)["OwnerId"] == sim.queue
    successes = {i: out.count("OK") for i, out in written_values(sim.org).items()}
    assert all(n == 1 for n in successes.values()), successes  # no lead written twice


class TestLiveRuns:
    def test_first_sync_promotes_exactly_the_expected_leads(self, sim, settings, sessions):
        run = run_sync(settings, sessions, factory(sim.server))
        assert run.state == "succeeded", run.message
        assert_converged(sim)
        writes = [e for e in sim.org.log.entries() if e.writes]
        assert writes
        assert all(e.auto_assign == "FALSE" for e in writes)
        assert run.counts["promoted"] == QUALIFYING
        assert run.counts["held_by_field"] == {"Email": 1}
        again = run_sync(settings, sessions, factory(sim.server))
        assert again.counts["written"] == 0

    def test_the_reports_show_a_runs_promotions_when_it_ends(self, sim, settings, sessions):
        run = run_sync(settings, sessions, factory(sim.server))
        assert run.state == "succeeded", run.message
        sla = SlaSettings(first_touch_hours=24, stale_days=14)
        as_of = datetime.now(UTC)
        with sessions() as session:
            status = handoff_status(session, as_of=as_of, since=START, sla=sla)
            owners = {o.owner_id: o.mql_open for o in status.by_owner}
        assert status.mql_open == QUALIFYING
        assert status.pending == QUALIFYING  # promoted just now: nobody touched them yet
        assert owners == Counter(lead(sim.org, i)["OwnerId"] for i in sim.expected)
        # The next pull reads the same leads back from the org: the figures stay as they were.
        again = run_sync(settings, sessions, factory(sim.server))
        assert again.state == "succeeded", again.message
        with sessions() as session:
            after = handoff_status(session, as_of=as_of, since=START, sla=sla)
        assert (after.mql_open, after.pending) == (status.mql_open, status.pending)
        assert {o.owner_id: o.mql_open for o in after.by_owner} == owners

    def test_api_calls_stay_within_the_economy_bound(self, sim, settings, sessions):
        first = run_sync(settings, sessions, factory(sim.server))
        idle = run_sync(settings, sessions, factory(sim.server))  # the constant: no writes
        read, written = first.counts["pulled"]["Lead"], first.counts["written"]
        assert (read, written) == (len(sim.expected | sim.untouched), QUALIFYING)
        updates = [e for e in sim.org.log.entries() if e.path.endswith("/composite/sobjects")]
        assert len(updates) == math.ceil(written / 200)
        bound = math.ceil(read / 2000) - 1 + math.ceil(written / 200) + math.ceil(written / 600)
        assert first.counts["api_calls"] <= idle.counts["api_calls"] + bound

    def test_bursts_of_503_and_locked_rows_end_with_nothing_lost(self, sim, settings, sessions):
        sim.org.faults.unavailable = 3
        sim.org.faults.lock_share = 0.5
        for _ in range(3):
            run = run_sync(settings, sessions, factory(sim.server))
        assert run.state == "succeeded", run.message
        assert_converged(sim)

    def test_a_person_taking_a_lead_out_of_mql_is_never_undone(self, sim, settings, sessions):
        first = run_sync(settings, sessions, factory(sim.server))
        assert first.state == "succeeded", first.message
        taken = sorted(sim.expected)[0]
        time.sleep(1.1)  # Salesforce timestamps have one-second precision
        edit(sim.org, sim.reps[0], "Lead", taken, {"Status": "Nurturing"})
        time.sleep(1.1)
        for _ in range(2):
            run = run_sync(settings, sessions, factory(sim.server))
            assert run.state == "succeeded", run.message
        assert lead(sim.org, taken)["Status"] == "Nurturing"
        with sessions() as session:
            last = session.scalars(
                select(DecisionRecord)
                .where(DecisionRecord.lead_id == taken)
                .order_by(DecisionRecord.id.desc())
            ).first()
        assert last is not None
        assert last.ineligible_reason == "taken out of MQL by a person"

    def test_dry_run_writes_nothing(self, sim, settings, sessions):
        run = run_sync(settings, sessions, factory(sim.server), dry_run=True)
        assert run.state == "succeeded", run.message
        assert run.counts["promoted"] == QUALIFYING
        assert written_values(sim.org) == {}


def _env(sim: Sim, settings: Settings, crash_at: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "HANDOFF_DATABASE_URL": settings.database_url,
        "HANDOFF_RULES": str(settings.rules),
        "HANDOFF_WRITE_MODE": "live",
        "HANDOFF_WRITE_CONCURRENCY": "2",
        "SF_INSTANCE_URL": sim.server.base_url,
        "SF_ACCESS_TOKEN": sim.server.access_token,
        "SF_CA_BUNDLE": str(sim.server.ca_file),
    }
    env.pop("HANDOFF_CRASH_AT", None)
    if crash_at is not None:
        env["HANDOFF_CRASH_AT"] = crash_at
    return env


def _handoff() -> str:
    return str(Path(sys.executable).parent / "handoff")


def _finish(sim: Sim, settings: Settings, sessions: sessionmaker[Session], cwd: Path) -> None:
    """Expire the dead holder's lease (SQLite), then sync until the run succeeds."""
    with sessions() as session:
        session.execute(update(SyncLock).values(expires_at=START - timedelta(days=1)))
        session.commit()
    done = subprocess.run(
        [_handoff(), "sync"], env=_env(sim, settings, None), cwd=cwd,
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "state=succeeded" in done.stdout


@pytest.mark.slow
class TestKilled:
    @pytest.mark.parametrize(
        "point", ["after_decisions", "before_write_chunk", "after_write_chunk"]
    )
    def test_a_kill_at_a_named_point_converges(self, sim, settings, sessions, tmp_path, point):
        killed = subprocess.run(
            [_handoff(), "sync"], env=_env(sim, settings, point), cwd=tmp_path,
            capture_output=True, check=False, timeout=120,
        )  # fmt: skip
        assert killed.returncode == -signal.SIGKILL
        _finish(sim, settings, sessions, tmp_path)
        assert_converged(sim)

    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_a_kill_at_a_random_moment_converges(self, sim, settings, sessions, tmp_path, seed):
        sim.org.faults.latency_ms = 150  # a run of a few seconds, killed somewhere inside
        process = subprocess.Popen(
            [_handoff(), "sync"], env=_env(sim, settings, None), cwd=tmp_path,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(random.Random(seed).uniform(1.0, 3.5))
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL  # killed, not finished
        sim.org.faults.latency_ms = 0
        _finish(sim, settings, sessions, tmp_path)
        assert_converged(sim)
