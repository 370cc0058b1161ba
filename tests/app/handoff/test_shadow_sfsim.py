"""Shadow mode against `sfsim`: decided and recorded as live, nothing written, and the shadow
report set against what people in the org did to the same leads."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.reports.shadow import shadow_report
from app.run import run_sync
from app.settings import Settings
from app.store.db import make_sessionmaker
from app.store.models import DecisionRecord, RoundRobin, RoundRobinShadow
from rules import parse_rules
from sfsim import edit, serve
from tests.app.handoff.test_sfsim import MQL, QUALIFYING, Sim, build_org, factory, lead, rules_text


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    org, reps, queue, expected, untouched = build_org()
    org.insert("User", {"Username": "cy@acme.sim", "LastName": "Manager", "IsActive": True,
                        "UserType": "Standard"})  # fmt: skip
    (tmp_path / "rules.yaml").write_text(rules_text(reps, queue), encoding="utf-8")
    with serve(org, tls=True) as server:
        yield Sim(server, org, reps, queue, expected, untouched)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url, rules=tmp_path / "rules.yaml", write_mode="shadow",
    )  # fmt: skip


@pytest.fixture
def sessions(engine: Any) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


def _planned_owners(session: Session) -> dict[str, str | None]:
    rows = session.execute(
        select(DecisionRecord.lead_id, DecisionRecord.planned, DecisionRecord.read_owner_id)
        .where(DecisionRecord.shadow.is_(True), DecisionRecord.mql.is_(True))
    )  # fmt: skip
    return {i: (planned or {}).get("OwnerId", read) for i, planned, read in rows}


def test_shadow_runs_decide_and_record_but_write_nothing(sim: Sim, settings, sessions) -> None:
    run = run_sync(settings, sessions, factory(sim.server))
    assert run.state == "succeeded", run.message
    assert run.dry_run
    assert not [e for e in sim.org.log.entries() if e.writes]  # nothing written
    assert all(lead(sim.org, i)["Status"] != MQL for i in sim.expected)
    with sessions() as session:
        shadow = session.scalar(
            select(func.count())
            .select_from(DecisionRecord)
            .where(DecisionRecord.shadow.is_(True), DecisionRecord.mql.is_(True))
        )
        assert shadow == QUALIFYING
        owners = _planned_owners(session)
        # turns taken in the shadow pools only: going live starts where the live pools stood
        assert session.scalars(select(RoundRobinShadow)).all()
        assert session.scalars(select(RoundRobin)).all() == []
    to_reps = [o for o in owners.values() if o in sim.reps]
    assert abs(to_reps.count(sim.reps[0]) - to_reps.count(sim.reps[1])) <= 1


def test_shadow_report_against_what_people_did(sim: Sim, settings, sessions) -> None:
    assert run_sync(settings, sessions, factory(sim.server)).state == "succeeded"
    with sessions() as session:
        owners = _planned_owners(session)
    routed = sorted(i for i in sim.expected if owners[i] in sim.reps)
    queued = sorted(i for i in sim.expected if owners[i] == sim.queue)
    other = {sim.reps[0]: sim.reps[1], sim.reps[1]: sim.reps[0]}
    agree, elsewhere = routed[:10], routed[10:14]
    time.sleep(1.1)  # Salesforce timestamps have one-second precision
    for lead_id in agree:  # the person routes as the rules would
        edit(sim.org, "cy@acme.sim", "Lead", lead_id, {"Status": MQL, "OwnerId": owners[lead_id]})
    for lead_id in elsewhere:  # ... or to the other rep
        other_rep = other[owners[lead_id]]  # type: ignore[index]
        edit(sim.org, "cy@acme.sim", "Lead", lead_id, {"Status": MQL, "OwnerId": other_rep})
    for lead_id in queued:
        edit(sim.org, "cy@acme.sim", "Lead", lead_id, {"Status": MQL})
    cold_call = next(i for i in sim.untouched if lead(sim.org, i)["LeadSource"] == "Cold Call")
    edit(sim.org, "cy@acme.sim", "Lead", cold_call, {"Status": MQL, "OwnerId": sim.reps[0]})
    time.sleep(1.1)
    assert run_sync(settings, sessions, factory(sim.server)).state == "succeeded"
    assert not [e for e in sim.org.log.entries() if e.writes]

    with sessions() as session:
        report = shadow_report(session, parse_rules(rules_text(sim.reps, sim.queue)))
    not_acted = len(routed) - len(agree) - len(elsewhere)
    # eligible leads decided: the 40 qualifying, and 3 of the 4 others (one is not eligible)
    assert report.leads == QUALIFYING + 3
    assert report.disagreements_total == len(elsewhere) + not_acted + 1
    routes = {r.route: r for r in report.routes}
    assert routes["routes[0]"].leads == len(routed)
    assert routes["routes[0]"].agreed == len(agree)
    assert routes["routes[0]"].owner_disagreements == len(elsewhere)
    assert routes["routes[0]"].status_disagreements == not_acted
    assert routes["routes[1]"].agreed == len(queued)
    assert routes["not MQL"].status_disagreements == 1
    found = {d.lead_id: d for d in report.disagreements}
    moved = found[elsewhere[0]]
    assert (moved.status_agrees, moved.owner_agrees) == (True, False)
    assert moved.ours.owner_id == owners[elsewhere[0]]
    assert moved.org.owner_id == other[owners[elsewhere[0]]]  # type: ignore[index]
    assert moved.ours.reason.startswith("MQL (rules v3)")
    assert "by Manager" in moved.org.reason
    assert f"-> {MQL} by Manager" in moved.org.reason
    cold = found[cold_call]
    assert (cold.ours.mql, cold.org.mql, cold.route) == (False, True, "not MQL")


def test_an_explicit_dry_run_records_no_shadow_decision(sim: Sim, settings, sessions) -> None:
    run = run_sync(settings, sessions, factory(sim.server), dry_run=True)
    assert run.state == "succeeded", run.message
    with sessions() as session:
        shadow = session.scalar(
            select(func.count()).select_from(DecisionRecord).where(DecisionRecord.shadow)
        )
        assert shadow == 0
        assert session.scalars(select(RoundRobinShadow)).all() == []
