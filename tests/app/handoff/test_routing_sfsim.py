"""Routing that fits how sales teams work, end to end against `sfsim` (SQLite and PostgreSQL).

A rep set out of office in the org gets no leads in the next sync and gets them again after it;
an existing customer's lead goes to its Account's owner (and no longer once the Account is
deleted); a route with nobody on shift holds its leads, keeps their status, lists them as
unassigned, and the first run after hours start assigns them, each written once. The API's
availability entries, ledger and matching report are read from the same runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from app.deps import get_now
from app.main import create_app
from app.run import run_sync
from app.settings import ApiKey, Settings
from app.store.db import make_sessionmaker
from app.store.models import DecisionRecord
from sfsim import delete, serve
from sfsim.people import set_out_of_office
from tests.app.handoff.test_sfsim import MQL, Sim, build_org, factory, lead, written_values
from tests.app.sync.conftest import Clock

MONDAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 10:00 in New York, 15:00 in London
SATURDAY = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
ADMIN = "admin-key-0123456789abcdef"
HEADERS = {"X-API-Key": ADMIN}


def routing_rules(sim: Sim, owner: str) -> str:
    rep1, rep2 = sim.reps
    return f"""\
version: 15
statuses:
  mql: "{MQL}"
  eligible_from: ["Open - Not Contacted", "Nurturing"]
  accepted: ["Working - Contacted"]
  rejected: ["Closed - Not Converted"]
fit:
  - {{field: NumberOfEmployees, op: gte, value: 100, points: 50}}
interest:
  - {{field: LeadSource, op: eq, value: "Webinar", points: 30}}
thresholds: {{fit: 40, interest: 25}}
disqualify:
  - {{field: Email, op: ends_with, value: "@gmail.com"}}
handoff_requires: [Email]
calendars:
  org: salesforce
assignment:
  availability:
    calendar: org
    out_of_office: salesforce
    catch_up: true
    when_none_available: hold
  match_accounts:
    by: [email_domain, website, company]
  routes:
    - when: [{{account: {{field: Type, op: eq, value: Customer}}}}]
      owner: account_owner
      pool: ["{owner}"]
    - when: [{{field: Country, op: eq, value: "US"}}]
      pool: [{{user: "{rep1}", weight: 2}}, "{rep2}"]
    - pool: ["{sim.queue}"]
writeback:
  reason_field: MQL_Reason__c
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url, rules=tmp_path / "rules.yaml", write_mode="live",
        api_keys=(ApiKey(key=ADMIN, role="admin"),),
    )  # fmt: skip


@pytest.fixture
def sessions(settings: Settings, engine: Any) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def sim(settings: Settings) -> Iterator[Sim]:
    org, reps, queue, expected, untouched = build_org()
    org.set_business_hours("America/New_York", dict.fromkeys(WEEKDAYS, ("09:00", "17:30")))
    org.set_business_hours("America/New_York", {"Saturday": None, "Sunday": None})
    owner = org.insert("User", {"Username": "owner@acme.sim", "LastName": "Owner",
                                "IsActive": True, "UserType": "Standard",
                                "TimeZoneSidKey": "America/New_York"})  # fmt: skip
    table = org.table("User")
    for rep, zone in zip(reps, ("America/New_York", "Europe/London"), strict=True):
        row = table.row_of(rep)
        assert row is not None
        table.set(row, "TimeZoneSidKey", zone)
    with serve(org, tls=True) as server:
        found = Sim(server, org, reps, queue, expected, untouched)
        settings.rules.write_text(routing_rules(found, owner), encoding="utf-8")
        yield found


def run_at(settings: Settings, sessions: sessionmaker[Session], sim: Sim, moment: datetime) -> Any:
    sim.org.clock.pin(moment - timedelta(seconds=30))
    run = run_sync(settings, sessions, factory(sim.server), now=Clock(moment))
    assert run.state == "succeeded", run.message
    return run


def client(settings: Settings, moment: datetime) -> TestClient:
    app = create_app(settings, start_scheduler=False)
    app.dependency_overrides[get_now] = lambda: moment
    return TestClient(app)


def us_leads(sim: Sim) -> list[str]:
    return sorted(i for i in sim.expected if lead(sim.org, i)["Country"] == "US")


def add_leads(sim: Sim, count: int, start: int, moment: datetime, **fields: Any) -> list[str]:
    sim.org.clock.pin(moment - timedelta(minutes=5))
    return [
        sim.org.insert("Lead", {
            "LastName": f"N{n}", "Company": "Initech", "Status": "Open - Not Contacted",
            "NumberOfEmployees": 500, "LeadSource": "Webinar", "Email": f"n{n}@initech.com",
            "Country": "US", "OwnerId": sim.queue, **fields,
        })
        for n in range(start, start + count)
    ]  # fmt: skip


def test_a_rep_out_of_office_in_the_org_gets_no_leads_then_gets_them_again(
    settings: Settings, sessions: sessionmaker[Session], sim: Sim
) -> None:
    away, other = sim.reps
    sim.org.clock.pin(MONDAY - timedelta(days=2))
    start, end = MONDAY - timedelta(days=1), MONDAY + timedelta(days=1)
    set_out_of_office(sim.org, away, int(start.timestamp()), int(end.timestamp()),
                      message="Holiday")  # fmt: skip
    run_at(settings, sessions, sim, MONDAY)
    owners = Counter(lead(sim.org, i)["OwnerId"] for i in us_leads(sim))
    assert owners == {other: len(us_leads(sim))}
    with sessions() as session:
        decision = session.scalars(
            select(DecisionRecord).where(DecisionRecord.owner_id == other).limit(1)
        ).one()
    assert decision.owner_reason == (
        f"owner Rep2 (route 1, weight 1; Rep1 out of office until {end.date().isoformat()})"
    )
    assert decision.routing is not None
    assert decision.routing["skipped"][0]["reason"] == "out of office"

    later = MONDAY + timedelta(days=2)  # Wednesday: back
    fresh = add_leads(sim, 9, 500, later)
    run_at(settings, sessions, sim, later)
    owners = Counter(lead(sim.org, i)["OwnerId"] for i in fresh)
    assert owners[away] >= 5  # weight 2: two of every three while both are available
    assert owners[away] + owners[other] == 9
    with client(settings, later) as api:
        ledger = api.get("/assignment/ledger?pool=1", headers=HEADERS)
        assert ledger.status_code == 200, ledger.text
        members = {m["user_id"]: m for m in ledger.json()["pools"][0]["members"]}
        assert members[away]["weight"] == 2
        assert members[away]["skipped"] == {"out of office": len(us_leads(sim))}
        assert members[away]["absences"][0]["source"] == "salesforce"


def test_an_existing_customers_lead_goes_to_the_account_owner_until_the_account_is_deleted(
    settings: Settings, sessions: sessionmaker[Session], sim: Sim
) -> None:
    owner = sim.org.user_id("owner@acme.sim")
    sim.org.clock.pin(MONDAY - timedelta(days=3))
    account = sim.org.insert("Account", {"Name": "Globex GmbH", "Website": "https://www.globex.com/",
                                         "OwnerId": owner, "Type": "Customer"})  # fmt: skip
    [customer] = add_leads(sim, 1, 700, MONDAY, Email="buyer@eu.globex.com", Company="Globex")
    run_at(settings, sessions, sim, MONDAY)
    assert lead(sim.org, customer)["OwnerId"] == owner
    with sessions() as session:
        decision = session.scalars(
            select(DecisionRecord).where(DecisionRecord.lead_id == customer)
        ).one()
    assert (decision.account_id, decision.match_method) == (account, "email_domain")
    assert "account owner of Globex GmbH by email domain globex.com" in (
        decision.owner_reason or ""
    )
    with client(settings, MONDAY) as api:
        report = api.get("/reports/matching", headers=HEADERS).json()
        assert report["matched_by_method"] == {"email_domain": 1}
        assert report["routed_to_account_owner"] == 1
        audit = api.get(f"/audit?lead_id={customer}", headers=HEADERS).json()["items"][0]
        assert audit["match_method"] == "email_domain"
        assert audit["routing"]["account"]["name"] == "Globex GmbH"

    delete(sim.org, "Account", account, by=owner)
    later = MONDAY + timedelta(hours=1)
    [after] = add_leads(sim, 1, 800, later, Email="cfo@globex.com", Company="Globex")
    run_at(settings, sessions, sim, later)
    assert lead(sim.org, after)["OwnerId"] in sim.reps  # no account any more: the US pool


def test_a_route_with_nobody_on_shift_holds_its_leads_until_hours_start(
    settings: Settings, sessions: sessionmaker[Session], sim: Sim
) -> None:
    run_at(settings, sessions, sim, SATURDAY)
    held = us_leads(sim)
    for lead_id in held:
        record = lead(sim.org, lead_id)
        assert (record["Status"], record["OwnerId"]) == ("Open - Not Contacted", sim.queue)
    others = sorted(sim.expected - set(held))
    assert all(lead(sim.org, i)["Status"] == MQL for i in others)  # the queue is always open
    with client(settings, SATURDAY) as api:
        listed = api.get("/handoff/leads?state=unassigned&limit=500", headers=HEADERS).json()
    assert sorted(item["lead_id"] for item in listed["items"]) == held
    assert listed["items"][0]["reason"].startswith("no available owner (route 1; Rep1 ")
    with sessions() as session:
        stored = session.query(DecisionRecord).count()
    run_at(settings, sessions, sim, SATURDAY + timedelta(hours=6))  # still the weekend
    assert all(lead(sim.org, i)["OwnerId"] == sim.queue for i in held)
    with sessions() as session:  # decided again, but the same wait is not stored twice
        assert session.query(DecisionRecord).count() == stored

    run_at(settings, sessions, sim, MONDAY)
    owners = Counter(lead(sim.org, i)["OwnerId"] for i in held)
    assert set(owners) == set(sim.reps)
    assert all(lead(sim.org, i)["Status"] == MQL for i in held)
    assert abs(owners[sim.reps[0]] - 2 * len(held) / 3) < 1  # weights 2:1 from a fresh start
    successes = {i: out.count("OK") for i, out in written_values(sim.org).items()}
    assert all(n == 1 for n in successes.values()), successes
    with client(settings, MONDAY) as api:
        listed = api.get("/handoff/leads?state=unassigned", headers=HEADERS).json()
    assert listed["items"] == []


def test_availability_entries_through_the_api_are_checked_audited_and_used(
    settings: Settings, sessions: sessionmaker[Session], sim: Sim
) -> None:
    run_at(settings, sessions, sim, MONDAY - timedelta(days=3))  # reads the users in
    away, other = sim.reps
    with client(settings, MONDAY) as api:
        wrong = api.post(
            "/availability",
            headers=HEADERS,
            json={"user_id": away, "start": "2026-11-25T00:00:00Z", "end": "2026-11-20T00:00:00Z"},
        )
        assert wrong.status_code == 422
        assert "`end` must be after `start`" in wrong.text
        made = api.post("/availability", headers=HEADERS, json={
            "user_id": away, "start": "2026-11-22T00:00:00Z", "end": "2026-11-24T00:00:00Z",
            "reason": "offsite"})  # fmt: skip
        assert made.status_code == 201, made.text
        listed = api.get("/availability", headers=HEADERS).json()["items"]
        assert [(i["user_id"], i["source"], i["reason"]) for i in listed] == [
            (away, "api", "offsite")
        ]
        events = api.get("/audit/events", headers=HEADERS).json()["items"]
        assert [e["action"] for e in events] == ["availability.add"]
        assert ADMIN not in str(events)
    fresh = add_leads(sim, 4, 900, MONDAY)
    run_at(settings, sessions, sim, MONDAY)
    assert {lead(sim.org, i)["OwnerId"] for i in fresh} == {other}
    with client(settings, MONDAY) as api:
        gone = api.delete(f"/availability/{made.json()['id']}", headers=HEADERS)
        assert gone.status_code == 200
        assert api.get("/availability", headers=HEADERS).json()["items"] == []
        credit = api.post(
            "/assignment/adjust",
            headers=HEADERS,
            json={"route": 1, "user_id": other, "turns": 1, "reason": "covered for Rep1"},
        )
        assert credit.status_code == 201, credit.text
        zero = api.post(
            "/assignment/adjust",
            headers=HEADERS,
            json={"route": 1, "user_id": other, "turns": 0, "reason": "x"},
        )
        assert zero.status_code == 422
