"""Calibration on both databases: deciles, thresholds for a target, the smallest significant."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from app.cli.main import main
from app.main import create_app
from app.reports.calibration import calibration, months_between
from app.settings import Settings
from rules import parse_rules
from tests.app.api import builders as b
from tests.app.api.conftest import READ, READ_KEY
from tests.app.reports.backtest_data import CURRENT, seed

# Fit 0, 30 or 60 by company size; interest 25 for a webinar lead.
SCORED = CURRENT.replace(
    "  - {field: NumberOfEmployees, op: gte, value: 50, points: 30, name: Fifty plus}\n",
    "  - {field: NumberOfEmployees, op: gte, value: 50, points: 30, name: Fifty plus}\n"
    "  - {field: NumberOfEmployees, op: gte, value: 100, points: 30}\n"
    "interest:\n"
    "  - {field: LeadSource, op: eq, value: Webinar, points: 25}\n",
)


def test_months_between_counts_both_ends() -> None:
    assert months_between(date(2026, 1, 1), date(2026, 12, 31)) == pytest.approx(365 / 30.4375)
    assert months_between(None, date(2026, 1, 1)) == 0.0


class TestWorkedExample:
    """The backtest's 400 leads: 100 at fit 0 (10% won), 100 at fit 30 (10%), 200 at fit 60
    (30 of 100 closed won: 30%); one month of history (March 2026)."""

    def test_fit_deciles_with_counts_and_intervals(self, session: Session) -> None:
        seed(session)
        report = calibration(session, parse_rules(SCORED))
        bands = [(band.deciles, band.score_from, band.outcome.leads) for band in report.fit_deciles]
        # ranks 0-99 are fit 0, 100-199 fit 30, 200-399 fit 60
        assert bands == [("1-3", 0, 100), ("3-5", 30, 100), ("6-10", 60, 200)]
        top = report.fit_deciles[-1].outcome
        assert (top.converted, top.closed, top.won, top.win_rate) == (100, 100, 30, 0.3)
        assert top.conversion_rate == 0.5
        assert top.win_rate_95 is not None
        # nobody came from a webinar: one interest band covering every decile
        assert [(b.deciles, b.outcome.leads) for b in report.interest_deciles] == [("1-10", 400)]

    def test_current_thresholds_and_the_smallest_significant(self, session: Session) -> None:
        seed(session)
        report = calibration(session, parse_rules(SCORED))
        assert (report.current.fit, report.current.interest) == (30, 0)
        assert report.current.mql.leads == 300
        best = report.smallest_significant
        assert best is not None
        # fit >= 30 wins 40/200 = 20% against 10/100: pooled 1/6, z = 0.1 / sqrt(1/6 * 5/6 *
        # (1/200 + 1/100)) = 2.191, p = 0.0285; significant, and more MQLs than fit >= 60
        assert (best.fit, best.interest, best.mql.leads) == (30, 0, 300)
        z = 0.1 / math.sqrt(1 / 6 * 5 / 6 * (1 / 200 + 1 / 100))
        assert best.mql_vs_non_mql.z == pytest.approx(z)
        assert best.mql_vs_non_mql.p_value == pytest.approx(0.02846, abs=1e-5)
        assert best.mql_vs_non_mql.significant

    def test_thresholds_for_a_target_volume(self, session: Session) -> None:
        seed(session)
        report = calibration(
            session, parse_rules(SCORED), start=date(2026, 3, 1), end=date(2026, 3, 31),
            target_mql_per_month=190,
        )  # fmt: skip
        assert report.months == pytest.approx(31 / 30.4375, abs=1e-3)
        chosen = report.for_target
        assert chosen is not None
        # 200 MQLs in 1.018 months is 196 a month: the closest to 190
        assert (chosen.fit, chosen.interest, chosen.mql.leads) == (60, 0, 200)
        assert chosen.mql_per_month == pytest.approx(200 / (31 / 30.4375), abs=0.01)


def test_no_closed_deals_and_no_significant_thresholds(session: Session) -> None:
    b.lead(session, NumberOfEmployees=500)
    b.lead(session, NumberOfEmployees=5)
    session.commit()
    report = calibration(session, parse_rules(SCORED), target_mql_per_month=1)
    assert report.leads == 2
    assert report.smallest_significant is None
    assert all(band.outcome.win_rate is None for band in report.fit_deciles)
    assert report.current.mql_vs_non_mql.p_value is None


def test_empty_period(session: Session) -> None:
    report = calibration(session, parse_rules(SCORED), target_mql_per_month=10)
    assert report.leads == 0
    assert report.fit_deciles == []
    assert report.for_target is None
    assert any("no leads yet" in note for note in report.notes)


class TestApiAndCli:
    def test_api_json_and_csv(self, database_url: str, session: Session, tmp_path: Path) -> None:
        seed(session)
        path = tmp_path / "rules.yaml"
        path.write_text(SCORED, encoding="utf-8")
        settings = Settings(database_url=database_url, rules=path, sync_interval=0,
                            api_keys=f"{READ_KEY}:read")  # fmt: skip
        with TestClient(create_app(settings, start_scheduler=False)) as client:
            answer = client.get("/reports/calibration?target_mql_per_month=190", headers=READ)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["for_target"]["fit"] == 60
            assert body["smallest_significant"]["fit"] == 30
            text = client.get("/reports/calibration?format=csv", headers=READ).text
            rows = list(csv.DictReader(io.StringIO(text)))
            top = next(r for r in rows if r["section"] == "fit" and r["deciles"] == "6-10")
            assert (top["leads"], top["won"], top["win_rate"]) == ("200", "30", "0.3")
            bad = client.get("/reports/calibration?target_mql_per_month=-1", headers=READ)
            assert bad.status_code == 422
            assert bad.json()["detail"][0]["loc"] == ["query", "target_mql_per_month"]

    def test_cli_json(
        self, database_url: str, session: Session, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    ) -> None:  # fmt: skip
        seed(session)
        path = tmp_path / "rules.yaml"
        path.write_text(SCORED, encoding="utf-8")
        monkeypatch.setenv("HANDOFF_DATABASE_URL", database_url)
        monkeypatch.setenv("HANDOFF_RULES", str(path))
        with pytest.raises(SystemExit) as done:
            main(["report", "calibration", "--target-mql-per-month", "190", "--format", "json"])
        assert done.value.code in (0, None)
        body = json.loads(capsys.readouterr().out)
        assert (body["for_target"]["fit"], body["leads"]) == (60, 400)
