"""`/handoff/status` from a kept result: reused within a minute and a sync, never past either."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from app.api.status_cache import StatusCache
from app.deps import get_now
from app.reports.models import HandoffStatus
from app.store import repo_runs
from app.ui.warm import DashboardWarmer
from tests.app.api import builders as b
from tests.app.api.conftest import READ


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def open_count(client: TestClient) -> int:
    response = client.get("/handoff/status", headers=READ)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    return int(response.json()["mql_open"])


def test_a_result_is_reused_within_the_minute_and_the_sync_only(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    clock = Clock(b.T0)
    app.dependency_overrides[get_now] = clock
    b.sync_run(session)
    b.open_mql(session, mql_at=b.T0 - timedelta(hours=1))
    session.commit()
    assert open_count(client) == 1

    b.open_mql(session, mql_at=b.T0 - timedelta(hours=2))
    session.commit()
    clock.now = b.T0 + timedelta(seconds=59)
    assert open_count(client) == 1  # the same sync, under a minute: the kept result

    clock.now = b.T0 + timedelta(seconds=60)
    assert open_count(client) == 2  # a minute old: computed again

    b.open_mql(session, mql_at=b.T0 - timedelta(hours=3))
    b.sync_run(session, started_at=b.T0 + timedelta(seconds=61))
    session.commit()
    clock.now = b.T0 + timedelta(seconds=62)
    assert open_count(client) == 3  # a sync since: computed again


def test_a_sync_that_finishes_makes_the_kept_result_stale(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    clock = Clock(b.T0)
    app.dependency_overrides[get_now] = clock
    run = b.sync_run(session, state="running", finished_at=None)
    session.commit()
    assert open_count(client) == 0
    b.open_mql(session, mql_at=b.T0 - timedelta(hours=1))
    run.state, run.finished_at = "succeeded", b.T0 + timedelta(seconds=5)
    session.commit()
    clock.now = b.T0 + timedelta(seconds=6)
    assert open_count(client) == 1


def test_an_explicit_window_and_csv_are_answered_from_their_own_results(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    app.dependency_overrides[get_now] = Clock(b.T0)
    b.open_mql(session, mql_at=b.T0 - timedelta(days=40))
    session.commit()
    default = client.get("/handoff/status", headers=READ).json()
    wide = client.get(
        "/handoff/status", params={"since": "2026-01-01T00:00:00Z"}, headers=READ
    ).json()
    assert (default["since"], wide["since"]) == ("2026-10-24T12:00:00Z", "2026-01-01T00:00:00Z")
    csv = client.get("/handoff/status", params={"format": "csv"}, headers=READ)
    assert csv.headers["content-type"].startswith("text/csv")


def test_concurrent_misses_compute_once() -> None:
    cache = StatusCache()
    calls: list[int] = []
    started = threading.Event()
    report = HandoffStatus.model_validate(
        {"as_of": b.T0, "since": b.T0, "sla_hours": 1, "sla_clock": "calendar",
         "sla": {"first_touch_hours": 1, "stale_days": 1},
         "median_hours_to_first_touch": None, "p90_hours_to_first_touch": None,
         "acceptance_rate": None, "acceptance": {"accepted": 0, "converted": 0, "rejected": 0,
                                                 "other_exits": 0, "rate": None},
         "methods": {}, "by_owner": []}
    )  # fmt: skip

    def compute() -> HandoffStatus:
        calls.append(1)
        started.wait(timeout=5)
        return report

    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(cache.get("k", now=b.T0, mark=(1, None), compute=compute))
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    started.set()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len({id(r) for r in results}) == 1


def test_the_dashboard_warmer_computes_the_default_status_before_requests_need_it(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    clock = Clock(b.T0 + timedelta(seconds=30))
    app.dependency_overrides[get_now] = clock
    b.sync_run(session)
    b.open_mql(session, mql_at=b.T0 - timedelta(hours=1))
    session.commit()
    warmer = DashboardWarmer(app)
    warmer.tick(b.T0)
    mark = ("another run", None)  # any other sync mark: nothing kept for it
    for name in ("aging", "weekly"):  # the SLA page's other figures, kept beside the status
        assert not app.state.ui_figures.due(name, b.T0 + timedelta(seconds=30), _mark(session))
        assert app.state.ui_figures.due(name, b.T0 + timedelta(seconds=30), mark)
        assert app.state.ui_figures.due(name, b.T0 + timedelta(seconds=60), _mark(session))
    b.open_mql(session, mql_at=b.T0 - timedelta(hours=2))
    session.commit()
    assert open_count(client) == 1  # the warmer's result, computed before the request

    warmer.tick(b.T0 + timedelta(seconds=35))  # 55 s old within `AHEAD`: not yet due
    assert open_count(client) == 1
    warmer.tick(b.T0 + timedelta(seconds=45))  # would be a minute old within `AHEAD`: due
    b.open_mql(session, mql_at=b.T0 - timedelta(hours=3))
    session.commit()
    clock.now = b.T0 + timedelta(seconds=70)
    answer = client.get("/handoff/status", headers=READ).json()
    assert answer["mql_open"] == 2  # computed by the warmer at 45 s, not by this request
    assert answer["as_of"].startswith((b.T0 + timedelta(seconds=45)).isoformat()[:19])

    b.sync_run(session, started_at=b.T0 + timedelta(seconds=71))
    session.commit()
    warmer.tick(b.T0 + timedelta(seconds=72))  # a sync started: due at once
    clock.now = b.T0 + timedelta(seconds=73)
    assert open_count(client) == 3


def _mark(session: Session) -> tuple[object, ...]:
    return repo_runs.sync_mark(session)
