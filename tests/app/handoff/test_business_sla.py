"""The SLA on the business clock through real runs against sfsim and the API.

The org's default BusinessHours are 09:00-17:30 New York, Monday to Friday: an MQL at 17:00 on a
Friday with a 4-hour target is due at 12:30 on Monday, so on Saturday it is pending, not
breached. With `calendar: owner` a rep in London is held to London hours. Switching the clock
back to `calendar` recomputes every open MQL at the next run.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from app.deps import get_now
from app.main import create_app
from app.run import run_sync
from app.settings import ApiKey, Settings
from sfsim import serve
from tests.app.handoff.test_sfsim import Sim, build_org, factory, lead, rules_text
from tests.app.sync.conftest import Clock

FRIDAY_5PM = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)  # 17:00 in New York
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
KEY = "read-key-0123456789abcdef"


def sla_section(calendar: str, clock: str = "business") -> str:
    return f"""\
sla:
  first_touch_hours: 24
  clock: {clock}
  calendar: {calendar}
  targets:
    - {{name: webinar, when: [{{field: LeadSource, op: eq, value: Webinar}}], first_touch_hours: 4}}
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url, rules=tmp_path / "rules.yaml", write_mode="live",
        api_keys=(ApiKey(key=KEY, role="read"),),
    )  # fmt: skip


@pytest.fixture
def sim(settings: Settings) -> Iterator[Sim]:
    org, reps, queue, expected, untouched = build_org()
    org.set_business_hours("America/New_York", dict.fromkeys(WEEKDAYS, ("09:00", "17:30")))
    for day in ("Saturday", "Sunday"):
        org.set_business_hours("America/New_York", {day: None})
    table = org.table("User")
    row = table.row_of(reps[1])
    assert row is not None
    table.set(row, "TimeZoneSidKey", "Europe/London")
    with serve(org, tls=True) as server:
        yield Sim(server, org, reps, queue, expected, untouched)


def write_rules(settings: Settings, sim: Sim, sla: str) -> None:
    text = rules_text(sim.reps, sim.queue).replace("writeback:", sla + "writeback:")
    settings.rules.write_text(text, encoding="utf-8")


def run_at(settings: Settings, sessions: sessionmaker[Session], sim: Sim, moment: datetime) -> None:
    sim.org.clock.pin(moment - timedelta(seconds=30))
    run = run_sync(settings, sessions, factory(sim.server), now=Clock(moment))
    assert run.state == "succeeded", run.message


def api(settings: Settings, path: str, moment: datetime) -> Any:
    app = create_app(settings, start_scheduler=False)
    app.dependency_overrides[get_now] = lambda: moment  # the API's clock, fixed for the test
    with TestClient(app) as client:
        answer = client.get(path, headers={"X-API-Key": KEY})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_friday_1700_with_4_hours_is_due_monday_1230_and_pending_over_the_weekend(
    settings: Settings, sessions: sessionmaker[Session], sim: Sim
) -> None:
    write_rules(settings, sim, sla_section("org"))
    run_at(settings, sessions, sim, FRIDAY_5PM)
    saturday = FRIDAY_5PM + timedelta(hours=16)
    run_at(settings, sessions, sim, saturday)  # the pull sees our MQL writes
    status = api(settings, "/handoff/status", saturday)
    assert (status["sla_clock"], status["sla_calendar"]) == ("business", "org")
    assert status["breached"] == 0
    assert status["pending"] == len(sim.expected)
    assert [(t["target"], t["target_hours"]) for t in status["by_target"]] == [("webinar", 4.0)]
    leads = api(settings, "/handoff/leads?limit=500", saturday)["items"]
    assert {item["due_at"] for item in leads} == {"2026-11-23T17:30:00Z"}  # 12:30 in New York
    assert {item["target"] for item in leads} == {"webinar"}
    monday = datetime(2026, 11, 23, 17, 31, tzinfo=UTC)
    assert api(settings, "/handoff/status", monday)["breached"] == len(sim.expected)

    write_rules(settings, sim, sla_section("org", clock="calendar"))
    run_at(settings, sessions, sim, saturday + timedelta(minutes=5))  # recomputes every MQL
    again = api(settings, "/handoff/status", saturday + timedelta(minutes=5))
    assert again["sla_clock"] == "calendar"
    assert again["breached"] == len(sim.expected)
    leads = api(settings, "/handoff/leads?limit=500", saturday)["items"]
    assert {item["due_at"] for item in leads} == {"2026-11-21T02:00:00Z"}  # 4 wall-clock hours


def test_calendar_owner_holds_each_rep_to_the_hours_of_their_own_zone(
    settings: Settings, sessions: sessionmaker[Session], sim: Sim
) -> None:
    write_rules(settings, sim, sla_section("owner"))
    run_at(settings, sessions, sim, FRIDAY_5PM)
    saturday = FRIDAY_5PM + timedelta(hours=16)
    run_at(settings, sessions, sim, saturday)
    leads = api(settings, "/handoff/leads?limit=500", saturday)["items"]
    due_by_owner: dict[str, set[str]] = {}
    for item in leads:
        due_by_owner.setdefault(item["owner_id"], set()).add(item["due_at"])
    new_york, london = sim.reps
    assert due_by_owner[new_york] == {"2026-11-23T17:30:00Z"}  # 12:30 Monday in New York
    # 17:00 Friday New York is 22:00 in London, after hours: 09:00-13:00 Monday London time.
    assert due_by_owner[london] == {"2026-11-23T13:00:00Z"}
    assert due_by_owner[sim.queue] == {"2026-11-23T17:30:00Z"}  # queues: the org's zone
    assert lead(sim.org, sorted(sim.expected)[0])["Status"] == "Marketing Qualified"
