"""`handoff db upgrade`, and every other command refusing a schema that is behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli.main import main
from app.errors import ExitCode


@pytest.fixture
def fresh_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    path = tmp_path / "handoff.db"
    monkeypatch.setenv("HANDOFF_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("SF_INSTANCE_URL", "https://127.0.0.1:9")
    monkeypatch.setenv("SF_ACCESS_TOKEN", "unused-token")
    return path


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as done:
        main(argv)
    return int(done.value.code or 0)


class TestDbUpgrade:
    def test_applies_every_migration_and_says_where_it_is(
        self, fresh_db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert _run(["db", "upgrade"]) == ExitCode.OK
        out = capsys.readouterr().out
        assert "from_revision=none" in out
        revision = next(line for line in out.splitlines() if line.startswith("revision="))
        head = next(line for line in out.splitlines() if line.startswith("head="))
        assert revision.split("=")[1] == head.split("=")[1]

    def test_sync_refuses_a_database_without_the_schema_and_names_the_fix(
        self, fresh_db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert _run(["sync"]) == ExitCode.FAILURE
        assert "run `handoff db upgrade`" in capsys.readouterr().err
