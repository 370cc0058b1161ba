"""Sync runs over HTTP: listing, reading, starting one against an org, and the 409s.

The started run talks to the respx-backed fake org of the pull tests, so the reports below are
read from a store the sync itself filled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import respx
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from app.main import create_app
from app.run.background import SyncRunner
from app.store.db import make_engine
from app.store.models import SyncRun
from app.sync.lock import sync_lock
from tests.app.api import builders as b
from tests.app.api.conftest import ADMIN, READ
from tests.fakes.org import INSTANCE, MQL, T0, FakeOrg, lead, sf_time


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Salesforce settings in the environment, as `handoff serve` reads them per run."""
    monkeypatch.setenv("SF_INSTANCE_URL", INSTANCE)
    monkeypatch.setenv("SF_ACCESS_TOKEN", "tok-secret-for-tests")


@pytest.fixture
def org(configured: None) -> Iterator[FakeOrg]:
    fake = FakeOrg()
    with respx.mock() as router:
        fake.install(router)
        yield fake


@pytest.fixture
def store(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _finished(client: TestClient, run_id: int) -> dict[str, object]:
    """The run once it is no longer running (the API answers while it works)."""
    for _ in range(600):
        body: dict[str, object] = client.get(f"/sync/runs/{run_id}", headers=READ).json()
        if body["state"] != "running":
            return body
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} still running")


def _fill(org: FakeOrg) -> dict[str, str]:
    won = org.add(
        "Opportunity", Id=org.new_id("006"), Name="Deal", StageName="Closed Won", IsClosed=True,
        IsWon=True, CloseDate="2026-09-15", Amount=5000.0, LeadSource="Web", OwnerId=None,
        Type=None, CreatedDate=sf_time(T0), SystemModstamp=sf_time(T0),
    )  # fmt: skip
    return {
        "qualifies": lead(org, NumberOfEmployees=500, LeadSource="Webinar")["Id"],
        "mql_by_hand": lead(org, Status=MQL)["Id"],
        "converted": lead(
            org, Status="Closed - Converted", IsConverted=True, ConvertedOpportunityId=won["Id"]
        )["Id"],
    }


class TestStartingARun:
    def test_started_run_fills_the_store_the_reports_read(
        self, client: TestClient, org: FakeOrg
    ) -> None:
        leads = _fill(org)
        response = client.post("/sync/runs", json={"full": True}, headers=ADMIN)
        assert response.status_code == 202
        run = _finished(client, response.json()["id"])
        assert run["state"] == "succeeded", run["message"]
        assert run["trigger"] == "api"
        assert run["dry_run"] is True

        status = client.get("/handoff/status", headers=READ).json()
        assert (status["mql_open"], status["pending"]) == (1, 1)
        (open_mql,) = client.get("/handoff/leads", headers=READ).json()["items"]
        # The work list shows the scores of the lead's latest decision (no fit rule matched it).
        assert (open_mql["lead_id"], open_mql["fit"], open_mql["interest"]) == (
            leads["mql_by_hand"],
            0,
            0,
        )
        audit = client.get("/audit", params={"lead_id": leads["qualifies"]}, headers=READ).json()
        assert audit["items"][0]["mql"] is True
        assert audit["items"][0]["rules_version"] == "8"
        win_loss = client.get("/reports/win-loss", headers=READ).json()
        assert (win_loss["all"]["won"], win_loss["excluding_mql"]["won"]) == (1, 1)
        rules = client.get("/reports/rules", headers=READ).json()
        assert {r["rule"] for r in rules["rules"]} >= {"fit[0]", "interest[0]"}

    def test_409_while_another_sync_holds_the_lock(
        self, client: TestClient, configured: None, store: Engine
    ) -> None:
        with respx.mock() as org, sync_lock(store, lease_seconds=60):  # no route: no request
            response = client.post("/sync/runs", headers=ADMIN)
        assert response.status_code == 409
        assert "already running" in response.json()["detail"]
        assert org.calls.call_count == 0

    def test_409_when_salesforce_is_not_configured(
        self, client: TestClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for name in ("SF_INSTANCE_URL", "SF_ACCESS_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.chdir("/")
        response = client.post("/sync/runs", json={"dry_run": True}, headers=ADMIN)
        assert response.status_code == 409
        assert "not configured" in response.json()["detail"]

    def test_unknown_body_fields_are_422(self, client: TestClient) -> None:
        response = client.post("/sync/runs", json={"fulll": True}, headers=ADMIN)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "fulll"]


class TestReadingRuns:
    def test_newest_first_in_pages(self, client: TestClient, session: Session) -> None:
        ids = [b.sync_run(session).id for _ in range(5)]
        session.commit()
        first = client.get("/sync/runs", params={"limit": 3}, headers=READ).json()
        assert [r["id"] for r in first["items"]] == ids[::-1][:3]
        rest = client.get(
            "/sync/runs", params={"cursor": first["next_cursor"]}, headers=READ
        ).json()
        assert [r["id"] for r in rest["items"]] == ids[::-1][3:]
        assert rest["next_cursor"] is None

    def test_one_run_with_counts_or_404(self, client: TestClient, session: Session) -> None:
        run = b.sync_run(session, state="partial", message="2 writes failed")
        session.commit()
        body = client.get(f"/sync/runs/{run.id}", headers=READ).json()
        assert (body["state"], body["counts"]["api_calls"]) == ("partial", 4)
        assert client.get("/sync/runs/999", headers=READ).status_code == 404
        assert client.get("/sync/runs/0", headers=READ).status_code == 422


class TestShutdown:
    """SIGTERM: uvicorn ends the lifespan, which stops a running sync at its next safe point."""

    def test_shutdown_stops_a_running_sync_at_a_page_boundary_and_it_resumes(
        self, app: FastAPI, org: FakeOrg, session: Session
    ) -> None:
        for _ in range(3):
            lead(org)
        runner: SyncRunner
        reached = threading.Event()

        def hold_the_lead_pull(request: httpx.Request) -> None:
            if "FROM Lead" in request.url.params.get("q", ""):
                reached.set()
                runner.stop.wait(30)  # a slow page: it arrives after SIGTERM
            return None

        org.faults.append(hold_the_lead_pull)
        with TestClient(app) as client:
            runner = app.state.sync_runner
            run_id = client.post("/sync/runs", json={"full": True}, headers=ADMIN).json()["id"]
            assert reached.wait(30)
        # The lifespan has ended: the run stopped where it was, without waiting for the org.
        run = session.get(SyncRun, run_id)
        assert run is not None
        assert (run.state, run.error_kind) == ("interrupted", "shutdown")
        assert "shutting down (SIGTERM)" in (run.message or "")
        org.faults.clear()
        with TestClient(create_app(app.state.settings, start_scheduler=False)) as client:
            again = client.post("/sync/runs", json={"full": False}, headers=ADMIN).json()["id"]
            finished = _finished(client, again)
        assert finished["state"] == "succeeded", finished["message"]
        assert finished["counts"]["pulled"]["Lead"] == 3

    def test_no_new_sync_starts_once_shutdown_began(
        self, client: TestClient, configured: None
    ) -> None:
        # No org is mocked: nothing may reach Salesforce once shutdown began.
        client.app.state.sync_runner.stop.set()  # type: ignore[attr-defined]
        response = client.post("/sync/runs", headers=ADMIN)
        assert response.status_code == 409
        assert response.json()["detail"] == "the service is shutting down"
