"""Problems around Handoff are named as what they are, with the fix, never as a bug (issue 12).

The CLI names them in one line (the traceback only with HANDOFF_LOG_LEVEL=DEBUG); the API answers
a generic 503 with Retry-After and logs the name.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.testclient import TestClient

from app.api.rules import RULES_YAML_EXAMPLE
from app.errors import environment_problem
from app.main import create_app
from app.settings import Settings
from app.store.db import make_engine
from app.store.migrate import upgrade
from tests.app.api.conftest import ADMIN, ADMIN_KEY, READ, READ_KEY
from tests.app.test_cli import run_main


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("HANDOFF_DATABASE_URL", "HANDOFF_LOG_LEVEL", "SF_INSTANCE_URL"):
        monkeypatch.delenv(name, raising=False)


def corrupt_sqlite(tmp_path: Path) -> str:
    path = tmp_path / "handoff.db"
    path.write_bytes(b"this is not a database, it is junk" * 200)
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("sqlite:////no/such/folder/handoff.db", "the SQLite database file cannot be opened"),
        ("postgresql://postgres@127.0.0.1:1/test", "the database does not answer"),
        (None, "the SQLite database file is corrupt"),
    ],
    ids=["sqlite-missing-folder", "postgres-closed-port", "sqlite-corrupt"],
)
def test_the_cli_names_the_database_problem_and_its_fix(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    url: str | None,
    named: str,
) -> None:
    monkeypatch.setenv("HANDOFF_DATABASE_URL", url or corrupt_sqlite(tmp_path))
    code, _, err = run_main(["report", "win-loss"], capsys)
    assert code == 1
    assert named in err
    assert "HANDOFF_DATABASE_URL" in err or "handoff db upgrade" in err
    assert "bug" not in err
    assert "Traceback" not in err


def test_debug_log_level_shows_the_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANDOFF_DATABASE_URL", "sqlite:////no/such/folder/handoff.db")
    monkeypatch.setenv("HANDOFF_LOG_LEVEL", "DEBUG")
    code, _, err = run_main(["report", "win-loss"], capsys)
    assert code == 1
    assert "Traceback" in err
    assert "DEBUG handoff: the command failed" in err
    assert logging.getLogger("handoff").level == logging.DEBUG


def test_info_is_the_default_level(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANDOFF_DATABASE_URL", "sqlite:////no/such/folder/handoff.db")
    run_main(["report", "win-loss"], capsys)
    assert logging.getLogger("handoff").level == logging.INFO


def test_a_malformed_instance_url_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SF_INSTANCE_URL", "notaurl")
    monkeypatch.setenv("SF_ACCESS_TOKEN", "00D!token")
    code, _, err = run_main(["check-connection"], capsys)
    assert code == 1
    assert "SF_INSTANCE_URL: 'notaurl' is not a URL" in err
    assert "bug" not in err
    assert "00D!token" not in err


def test_a_full_disk_is_named(tmp_path: Path) -> None:
    # SQLite's own page limit produces the very error a full disk does (SQLITE_FULL).
    engine = create_engine(f"sqlite:///{tmp_path / 'full.db'}")
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE t (x TEXT)"))
        connection.execute(text("PRAGMA max_page_count = 3"))
        rows = [{"x": "x" * 4000}] * 100
        with pytest.raises(DBAPIError) as caught:
            connection.execute(text("INSERT INTO t VALUES (:x)"), rows)
    engine.dispose()
    assert environment_problem(caught.value) == (
        "the disk is full: free space where the database (or the log) is written, then retry"
    )
    assert environment_problem(OSError(28, "No space left on device")) is not None


def test_a_bug_is_not_an_environment_problem() -> None:
    error = IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))
    assert environment_problem(error) is None
    assert environment_problem(KeyError("x")) is None


class TestApi:
    @pytest.fixture(autouse=True)
    def _salesforce_configured(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SF_INSTANCE_URL", "https://acme.my.salesforce.com")
        monkeypatch.setenv("SF_ACCESS_TOKEN", "00Dxx!token")

    @staticmethod
    def settings(url: str, tmp_path: Path) -> Settings:
        rules = tmp_path / "rules.yaml"
        rules.write_text(RULES_YAML_EXAMPLE, encoding="utf-8")
        return Settings(
            _env_file=None,
            database_url=url,
            rules=rules,
            api_keys=f"{READ_KEY}:read,{ADMIN_KEY}:admin",
            sync_interval=0,
        )

    def test_a_corrupt_sqlite_file_is_503_and_readyz_says_database_false(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        url = corrupt_sqlite(tmp_path)
        with TestClient(create_app(self.settings(url, tmp_path), start_scheduler=False)) as client:
            ready = client.get("/readyz", headers=READ)
            status = client.get("/handoff/status", headers=READ)
            started = client.post("/sync/runs", headers=ADMIN, json={})
        assert ready.status_code == 503
        assert (ready.json()["reasons"], ready.json()["database"]) == (
            ["database_unreachable"],
            False,
        )
        for response in (status, started):
            assert response.status_code == 503
            assert response.json() == {"detail": "the database is unavailable; try again shortly"}
            assert response.headers["Retry-After"] == "5"
        assert "the SQLite database file is corrupt" in caplog.text

    def test_a_database_gone_after_start_is_503_without_driver_text(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        path = tmp_path / "handoff.db"
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        app = create_app(self.settings(url, tmp_path), start_scheduler=False)
        with TestClient(app) as client:
            assert client.get("/handoff/status", headers=READ).status_code == 200
            app.state.engine.dispose()
            path.write_bytes(b"junk" * 4096)
            response = client.post("/sync/runs", headers=ADMIN, json={})
        assert response.status_code == 503
        assert "sqlite" not in response.text.lower()
        assert "SELECT" not in response.text
        assert "INSERT" not in response.text
        assert "database unavailable on POST /sync/runs" in caplog.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 1\nsla:\n  <<: {first_touch_hours: 24}\n",
            "rules.yaml:3: merge keys (<<) are not allowed in rules files",
        ),
        ("fit: " + "[" * 1000 + "]" * 1000 + "\n", "rules.yaml:1: nested more than 16 levels"),
        ("a: &x [1]\nb: *x\n", "rules.yaml:1: aliases are not allowed in rules files"),
    ],
    ids=["merge-key", "nested-1000", "alias"],
)
def test_rules_check_names_refused_yaml_with_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_main(["rules", "check", str(path)], capsys)
    assert code == 1
    assert f"{tmp_path}/{expected}" in out + err
    assert "bug" not in out + err
