"""`handoff report win-loss` prints what the API answers, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import Engine

from app.cli.main import main
from app.store.db import make_sessionmaker
from tests.app.reports.test_winloss import worked_example


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(argv)
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


@pytest.fixture
def filled(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDOFF_DATABASE_URL", database_url)
    with make_sessionmaker(engine)() as session:
        worked_example(session)


def test_json_is_the_api_report(filled: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(
        ["report", "win-loss", "--from", "2026-07-01", "--to", "2026-09-30", "--format", "json"],
        capsys,
    )
    assert code == 0
    body = json.loads(out)
    assert (body["from"], body["all"]["win_rate"], body["difference_pp"]) == (
        "2026-07-01",
        0.18,
        5.0,
    )


def test_csv_rows_per_group_and_segment(filled: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(
        ["report", "win-loss", "--format", "csv", "--group-by", "quarter"], capsys
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["group"], r["segment"], r["won"]) for r in rows] == [
        ("", "all", "54"),
        ("", "excluding_mql", "26"),
        ("", "mql_only", "28"),
        ("2026-Q3", "all", "54"),
        ("2026-Q3", "excluding_mql", "26"),
        ("2026-Q3", "mql_only", "28"),
    ]


def test_plain_table_off_a_terminal(filled: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(["report", "win-loss"], capsys)
    assert code == 0
    first = out.splitlines()[0]
    assert "segment=all" in first
    assert "win_rate=0.18" in first
    assert "difference_pp=5.0" in out


def test_from_after_to_is_a_usage_error(filled: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _run(
        ["report", "win-loss", "--from", "2026-10-01", "--to", "2026-09-30"], capsys
    )
    assert code == 2
    assert "--from" in err


def test_a_date_that_is_not_a_date_is_a_usage_error(
    filled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = _run(["report", "win-loss", "--to", "soon"], capsys)
    assert code == 2
    assert "--to" in err
