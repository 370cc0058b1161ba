"""`handoff rules backtest FILE` prints what the API answers, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.cli.main import main
from app.store.db import make_sessionmaker
from tests.app.reports.backtest_data import CANDIDATE, CURRENT, seed


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(argv)
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


@pytest.fixture
def candidate(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    (tmp_path / "current.yaml").write_text(CURRENT, encoding="utf-8")
    monkeypatch.setenv("HANDOFF_DATABASE_URL", database_url)
    monkeypatch.setenv("HANDOFF_RULES", str(tmp_path / "current.yaml"))
    with make_sessionmaker(engine)() as session:
        seed(session)
    path = tmp_path / "candidate.yaml"
    path.write_text(CANDIDATE, encoding="utf-8")
    return path


def test_json(candidate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        ["rules", "backtest", str(candidate), "--from", "2026-03-01", "--format", "json"], capsys
    )
    assert code == 0
    body = json.loads(out)
    assert body["from"] == "2026-03-01"
    assert body["candidate"]["mql"]["win_rate"] == pytest.approx(0.3)
    assert body["changes"]["left_mql"] == 100


def test_csv(candidate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["rules", "backtest", str(candidate), "--format", "csv"], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    sides = {(r["rules"], r["group"]): r["win_rate"] for r in rows if r["section"] == "side"}
    assert sides[("candidate", "non_mql")] == "0.1"
    assert sides[("current", "mql")] == "0.2"


def test_table_says_the_verdict_and_todays_values(
    candidate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["rules", "backtest", str(candidate)], capsys)
    assert code == 0
    assert "rules=candidate group=MQL leads=200" in out
    assert "win_rate=30.0%" in out
    assert "note: decided on each lead's field values as stored today" in out
    assert "candidate separates winners from the rest better" in out


def test_invalid_candidate_prints_every_placed_error(
    candidate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    candidate.write_text(CANDIDATE.replace("op: gte", "op: bigger"), encoding="utf-8")
    code, _, err = _run(["rules", "backtest", str(candidate)], capsys)
    assert code != 0
    assert f"{candidate}:6: fit[0].op:" in err
