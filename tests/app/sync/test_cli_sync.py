"""`handoff sync` end to end in-process: plain `key=value` output and the SPEC's exit statuses."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from app.cli.main import main
from app.cli.output import Output
from app.cli.sync import progress_display
from app.errors import ExitCode
from tests.fakes.org import INSTANCE, FakeOrg, error, lead


@pytest.fixture
def environment(
    database_url: str, rules_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "HANDOFF_DATABASE_URL": database_url,
        "HANDOFF_RULES": str(rules_path),
        "HANDOFF_PULL_BATCH_SIZE": "200",
        "SF_INSTANCE_URL": INSTANCE,
        "SF_ACCESS_TOKEN": "tok-secret",
    }.items():
        monkeypatch.setenv(name, value)


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as done:
        main(argv)
    return int(done.value.code or 0)


@pytest.mark.usefixtures("environment")
class TestSyncCommand:
    def test_prints_one_fact_per_line_and_exits_0(
        self, org: FakeOrg, capsys: pytest.CaptureFixture[str]
    ) -> None:
        for _ in range(250):
            lead(org)

        code = _run(["sync", "--dry-run"])

        out = capsys.readouterr().out.splitlines()
        assert code == ExitCode.OK
        assert "state=succeeded" in out
        assert "pulled_Lead=250" in out
        assert "dry_run=True" in out

    def test_a_failed_run_prints_its_summary_then_one_error_line_and_exits_1(
        self, org: FakeOrg, capsys: pytest.CaptureFixture[str]
    ) -> None:
        lead(org)
        org.faults.append(
            lambda request: (
                error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
                if "/query" in request.url.path
                else None
            )
        )

        code = _run(["sync"])

        captured = capsys.readouterr()
        assert code == ExitCode.FAILURE
        assert "state=failed" in captured.out.splitlines()
        (line,) = captured.err.strip().splitlines()
        assert line.startswith("error: the org's daily API request limit is used up")
        assert "tok-secret" not in captured.out + captured.err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class TestDisplay:
    def test_counts_records_per_object_on_a_terminal(self) -> None:
        stream = _Terminal()

        with progress_display(Output(stream=stream)) as progress:
            assert progress is not None
            progress("Lead", 200)
            progress("Lead", 400)
            progress("Task", 0)

        shown = stream.getvalue()
        assert "400 records" in shown
        assert "Task" in shown

    def test_shows_nothing_when_not_on_a_terminal(self) -> None:
        with progress_display(Output(stream=io.StringIO())) as progress:
            assert progress is None


def test_the_summary_flattens_held_fields_and_api_usage() -> None:
    from datetime import UTC, datetime

    from app.cli.sync import summary
    from app.store.models import SyncRun

    started = datetime(2026, 11, 2, 9, tzinfo=UTC)
    run = SyncRun(
        id=7,
        state="partial",
        full=False,
        dry_run=False,
        started_at=started,
        finished_at=started.replace(second=30),
        counts={
            "pulled": {"Lead": 3},
            "held": 2,
            "held_by_field": {"Phone": 2, "Email": 1},
            "api_usage": {"used": 18234, "max": 115000},
        },
        message="1 writes failed",
    )
    fields = summary(run)
    assert (fields["held"], fields["held_missing_Phone"], fields["held_missing_Email"]) == (2, 2, 1)
    assert (fields["api_used"], fields["api_max"]) == (18234, 115000)
    assert fields["seconds"] == 30.0
    assert "api_usage" not in fields
    assert "held_by_field" not in fields
