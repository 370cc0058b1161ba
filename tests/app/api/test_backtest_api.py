"""`POST /rules/backtest` and `GET /rules/backtest/{job}` on both databases."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.app.api.conftest import ADMIN, READ
from tests.app.reports.backtest_data import CANDIDATE, CURRENT, seed

YAML = {**ADMIN, "Content-Type": "application/yaml"}


@pytest.fixture
def rules_path(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(CURRENT, encoding="utf-8")
    return path


def test_small_period_answers_at_once(client: TestClient, session: Session) -> None:
    seed(session)
    answer = client.post(
        "/rules/backtest?from=2026-03-01&to=2026-03-31", content=CANDIDATE, headers=YAML
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["from"] == "2026-03-01"
    assert body["candidate"]["mql"]["win_rate"] == pytest.approx(0.3)
    assert body["candidate"]["non_mql"]["win_rate"] == pytest.approx(0.1)
    assert body["current"]["mql"]["leads"] == 300
    assert body["changes"]["left_mql"] == 100
    assert any("today" in note for note in body["notes"])
    assert [(r["rules"], r["name"]) for r in body["rules"]] == [
        ("candidate", "Mid-market"), ("current", "Fifty plus"),
    ]  # fmt: skip


def test_csv_form(client: TestClient, session: Session) -> None:
    seed(session)
    answer = client.post("/rules/backtest?format=csv", content=CANDIDATE, headers=YAML)
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    mql = next(
        r for r in rows if (r["section"], r["rules"], r["group"]) == ("side", "candidate", "mql")
    )
    assert (mql["leads"], mql["closed"], mql["won"], mql["win_rate"]) == ("200", "100", "30", "0.3")
    assert mql["significant"] == "True"
    rule = next(r for r in rows if r["section"] == "rule" and r["name"] == "Mid-market")
    assert rule["rule"] == "fit[0]"


def test_invalid_candidate_is_a_422_with_every_placed_error(client: TestClient) -> None:
    broken = CANDIDATE.replace("op: gte", "op: bigger").replace("fit: 30,", "fit: 99,")
    answer = client.post("/rules/backtest", content=broken, headers=YAML)
    assert answer.status_code == 422
    places = {tuple(p["loc"]) for p in answer.json()["detail"]}
    assert ("body", "fit[0].op") in places
    assert ("body", "thresholds.fit") in places


def test_needs_an_admin_key(client: TestClient) -> None:
    answer = client.post(
        "/rules/backtest", content=CANDIDATE, headers={**READ, "Content-Type": "application/yaml"}
    )
    assert answer.status_code == 403


def test_from_after_to_is_a_422(client: TestClient) -> None:
    answer = client.post(
        "/rules/backtest?from=2026-04-01&to=2026-03-01", content=CANDIDATE, headers=YAML
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "from"]


def test_no_closed_deals_gives_null_rates(client: TestClient, session: Session) -> None:
    from tests.app.api import builders as b

    b.lead(session, NumberOfEmployees=500)
    session.commit()
    body = client.post("/rules/backtest", content=CANDIDATE, headers=YAML).json()
    assert body["candidate"]["mql"]["leads"] == 1
    assert body["candidate"]["mql"]["win_rate"] is None
    assert body["candidate"]["mql_vs_non_mql"]["p_value"] is None


class TestLargePeriods:
    @pytest.fixture
    def app(self, settings: Settings) -> FastAPI:
        return create_app(
            settings.model_copy(update={"backtest_inline_leads": 10}), start_scheduler=False
        )

    def test_runs_in_the_background_as_a_job_to_poll(
        self, app: FastAPI, client: TestClient, session: Session
    ) -> None:
        seed(session)
        answer = client.post("/rules/backtest", content=CANDIDATE, headers=YAML)
        assert answer.status_code == 202, answer.text
        job = answer.json()
        assert job["leads"] == 400
        assert answer.headers["location"] == job["poll"]
        app.state.backtests.wait()
        done = client.get(job["poll"], headers=ADMIN).json()
        assert done["state"] == "succeeded"
        assert done["result"]["candidate"]["mql"]["win_rate"] == pytest.approx(0.3)

    def test_unknown_job_is_a_404(self, client: TestClient) -> None:
        assert client.get("/rules/backtest/nope", headers=ADMIN).status_code == 404


def test_a_job_left_running_by_a_stopped_process_reads_as_failed(
    client: TestClient, session: Session
) -> None:
    from datetime import UTC, datetime, timedelta

    from app.store import repo_backtests

    old = repo_backtests.create_job(
        session, now=datetime.now(UTC) - timedelta(hours=2), leads=5, rules_hash="h",
        start=None, end=None,
    )  # fmt: skip
    session.commit()
    body = client.get(f"/rules/backtest/{old.id}", headers=ADMIN).json()
    assert body["state"] == "failed"
    assert "may have stopped" in body["error"]
