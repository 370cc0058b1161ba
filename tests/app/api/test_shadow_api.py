"""`GET /reports/shadow`: JSON and CSV over stored shadow decisions, on both databases."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from app.cli.main import main
from tests.app.api import builders as b
from tests.app.api.conftest import READ

REP = "005000000000001AAA"
OTHER = "005000000000002AAA"


def _seed(session: Session) -> None:
    b.user(session, "Ada Rep", Id=REP)
    b.user(session, "Bo Rep", Id=OTHER)
    same = b.lead(session, Status="Marketing Qualified", OwnerId=REP)
    moved = b.lead(session, Status="Marketing Qualified", OwnerId=OTHER)
    ignored = b.lead(session, Status="Open - Not Contacted", OwnerId=REP)
    for lead in (same, moved, ignored):
        b.decision(session, lead.id, shadow=True, dry_run=True, mql=True, route_index=0,
                   planned={"OwnerId": REP}, explanation="MQL (rules v8): fit 30")  # fmt: skip
    # a later decision (the lead is MQL now) does not replace the first MQL one
    b.decision(session, moved.id, shadow=True, dry_run=True, mql=False,
               decided_at=b.T0 + timedelta(hours=1), ineligible_reason=None)  # fmt: skip
    # a live decision is not a shadow one
    b.decision(session, ignored.id, mql=True, route_index=0, planned={"OwnerId": OTHER})
    session.commit()


def test_agreement_by_route_with_both_sides(client: TestClient, session: Session) -> None:
    _seed(session)
    answer = client.get("/reports/shadow?from=2026-11-01&to=2026-11-30", headers=READ)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["leads"], body["agreed"], body["disagreements_total"]) == (3, 1, 2)
    [route] = body["routes"]
    assert (route["leads"], route["status_disagreements"], route["owner_disagreements"]) == (
        3, 1, 1,
    )  # fmt: skip
    moved = next(d for d in body["disagreements"] if d["owner_agrees"] is False)
    assert (moved["ours"]["owner_name"], moved["org"]["owner_name"]) == ("Ada Rep", "Bo Rep")
    assert moved["ours"]["reason"] == "MQL (rules v8): fit 30"
    rows = list(csv.DictReader(io.StringIO(
        client.get("/reports/shadow?format=csv", headers=READ).text
    )))  # fmt: skip
    assert [r["section"] for r in rows] == ["route", "disagreement", "disagreement"]


def test_outside_the_period_and_without_shadow_runs(client: TestClient, session: Session) -> None:
    _seed(session)
    body = client.get("/reports/shadow?from=2027-01-01", headers=READ).json()
    assert (body["leads"], body["agreement_rate"]) == (0, None)
    assert any("HANDOFF_WRITE_MODE=shadow" in note for note in body["notes"])


def test_cli_json_matches_the_api(
    client: TestClient, session: Session, database_url: str, rules_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _seed(session)
    api = client.get("/reports/shadow", headers=READ).json()
    monkeypatch.setenv("HANDOFF_DATABASE_URL", database_url)
    monkeypatch.setenv("HANDOFF_RULES", str(rules_path))
    with pytest.raises(SystemExit) as done:
        main(["report", "shadow", "--format", "json"])
    assert done.value.code in (0, None)
    assert json.loads(capsys.readouterr().out) == api
