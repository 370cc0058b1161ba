"""A run reads only the leads changed since the last completed run, and every lead when that
would not be the same choice: new rules, a user activated or deactivated, `--full`.

Against `sfsim` over HTTPS, through `run_sync`: the figures are the run's own counts
(`considered`: open leads read to choose; `decided`), the outcome is what the org holds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.run import run_sync
from app.settings import Settings
from app.store.models import Lead
from sfsim import Server, edit, serve
from tests.app.handoff.test_sfsim import QUALIFYING, build_org, factory, lead, rules_text
from tests.fakes.sim_org import MQL

OPEN_LEADS = QUALIFYING + 4


@pytest.fixture
def org_served(tmp_path: Path) -> Iterator[tuple[Server, list[str], str, str]]:
    """The org of `test_sfsim` served, its rules written; with the Cold Call lead's Id."""
    org, reps, queue, _expected, untouched = build_org()
    (tmp_path / "rules.yaml").write_text(rules_text(reps, queue), encoding="utf-8")
    cold_call = next(i for i in untouched if org.table("Lead").record(
        org.table("Lead").row_of(i))["LeadSource"] == "Cold Call")  # fmt: skip
    with serve(org, tls=True) as server:
        yield server, reps, queue, cold_call


def _run(settings: Settings, sessions: sessionmaker[Session], server: Server, **kwargs: bool):  # type: ignore[no-untyped-def]
    run = run_sync(settings, sessions, factory(server), **kwargs)
    assert run.state == "succeeded", run.message
    return run


def test_a_run_reads_only_the_leads_changed_since_the_last(org_served, settings, sessions):
    server, reps, _queue, cold_call = org_served
    first = _run(settings, sessions, server)
    assert (first.counts["considered"], first.counts["decided"]) == (OPEN_LEADS, OPEN_LEADS)
    time.sleep(1.1)  # a pull reads up to the second before it starts
    echo = _run(settings, sessions, server)  # reads back the leads its writes changed
    assert echo.counts["considered"] <= QUALIFYING
    assert echo.counts["decided"] == 0
    time.sleep(2.2)
    quiet = _run(settings, sessions, server)  # re-reads the lookback: unchanged, not decided
    assert (quiet.counts["considered"], quiet.counts["decided"]) == (0, 0)
    # Once a lookback has passed since the last run started, the window opens after the
    # first runs' changes (not a lookback before the last of them): nothing is read again.
    time.sleep(2.2)
    later = _run(settings.model_copy(update={"lookback_seconds": 1}), sessions, server)
    assert later.counts["pulled"].get("Lead", 0) == 0
    assert later.counts["pulled"].get("LeadHistory", 0) == 0

    time.sleep(1.1)  # Salesforce timestamps have one-second precision
    edit(server.org, reps[0], "Lead", cold_call, {"LeadSource": "Webinar"})
    time.sleep(1.1)  # a pull reads up to the second before it starts
    edited = _run(settings, sessions, server)
    assert (edited.counts["considered"], edited.counts["decided"]) == (1, 1)
    assert edited.counts["written"] == 1
    assert lead(server.org, cold_call)["Status"] == MQL


def test_new_rules_a_deactivated_user_and_full_read_every_open_lead(
    org_served, settings, sessions, tmp_path
):
    server, reps, queue, _cold_call = org_served
    _run(settings, sessions, server)
    time.sleep(1.1)
    _run(settings, sessions, server)
    assert _run(settings, sessions, server).counts["considered"] == 0

    full = _run(settings, sessions, server, full=True)
    assert (full.counts["considered"], full.counts["decided"]) == (OPEN_LEADS, 0)

    # The rules' hash changed: every open lead is read (and decided: the rules differ).
    rules = tmp_path / "rules.yaml"
    rules.write_text(rules_text(reps, queue).replace("version: 3", "version: 4"), "utf-8")
    renewed = _run(settings, sessions, server)
    assert renewed.counts["considered"] == OPEN_LEADS
    assert renewed.counts["decided"] == OPEN_LEADS
    assert _run(settings, sessions, server).counts["considered"] == 0

    # Whether an owner is active is part of every lead's input: a user turned off reads all.
    time.sleep(1.1)
    with server.org.lock:
        server.org.update(
            "User", reps[1], {"IsActive": False}, user_id=server.org.integration_user_id
        )
    time.sleep(1.1)
    turned_off = _run(settings, sessions, server)
    assert turned_off.counts["considered"] == OPEN_LEADS


def test_a_lead_changed_by_any_writer_of_the_store_is_read_again(org_served, settings, sessions):
    """An ORM write of a lead (not one of the set-based writers) moves its change counter too,
    so no path of ours can change a lead's input unseen by the next run."""
    server, _reps, _queue, cold_call = org_served
    _run(settings, sessions, server)
    time.sleep(1.1)
    _run(settings, sessions, server)
    with sessions() as session:
        stored = session.scalars(select(Lead).where(Lead.id == cold_call)).one()
        before = stored.change_seq
        stored.fields = {**stored.fields, "LeadSource": "Webinar"}
        session.commit()
        assert session.scalar(select(Lead.change_seq).where(Lead.id == cold_call)) > before
    run = _run(settings, sessions, server)
    assert (run.counts["considered"], run.counts["decided"]) == (1, 1)
