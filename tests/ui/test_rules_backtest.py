"""The dashboard's rules page: rule names, and the latest backtest beside the current rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.store.db import make_engine, make_sessionmaker
from app.store.migrate import upgrade
from tests.app.reports.backtest_data import CANDIDATE, CURRENT, seed

READ_KEY = "ui-read-key-0123456789abcdef"
ADMIN_KEY = "ui-admin-key-0123456789abcdef"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        seed(session)
    engine.dispose()
    rules = tmp_path / "rules.yaml"
    rules.write_text(CURRENT, encoding="utf-8")
    return Settings(
        database_url=url, rules=rules, api_keys=f"{READ_KEY}:read,{ADMIN_KEY}:admin",
        sync_interval=0, secret_key="a-secret-key-for-tests-0123456789abcdef",
    )  # fmt: skip


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings, start_scheduler=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        assert test_client.post("/ui/sign-in", data={"api_key": READ_KEY}).status_code == 303
        yield test_client


def test_no_backtest_yet_says_how_to_run_one(client: TestClient) -> None:
    page = client.get("/ui/rules").text
    assert "No backtest yet" in page
    assert "handoff rules backtest FILE" in page


def test_the_latest_backtest_is_shown_with_names_and_figures(client: TestClient) -> None:
    answer = client.post(
        "/rules/backtest", content=CANDIDATE,
        headers={"X-API-Key": ADMIN_KEY, "Content-Type": "application/yaml"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    page = client.get("/ui/rules").text
    assert answer.json()["verdict"].replace("'", "&#39;") in page
    assert 'data-metric="candidate-MQL-leads">200<' in page
    assert 'data-metric="candidate-MQL-win_rate">30.0%<' in page
    assert 'data-metric="current-non-MQL-win_rate">10.0%<' in page
    assert "Mid-market <code>fit[0]</code>" in page
    assert "field values as stored today" in page
