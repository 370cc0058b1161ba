"""`handoff sync` end to end in-process: plain `key=value` output and the SPEC's exit statuses."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from app.cli.main import main
from app.cli.output import Output
from app.cli.sync import progress_display
from app.errors import ExitCode
from tests.app.sync.fake_org import INSTANCE, FakeOrg, error, lead


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


def _plain_text(shown: str) -> str:
    """What a terminal shows, without its colour and cursor codes."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class TestDisplay:
    def test_a_bar_per_object_against_its_total_on_a_terminal(self) -> None:
        stream = _Terminal()

        with progress_display(Output(stream=stream)) as progress:
            assert progress is not None
            progress("Lead", 200, 1000)
            progress("Lead", 400, 1000)
            progress("Task", 0, 0)

        shown = _plain_text(stream.getvalue())
        assert re.search(r"400/1000\s+records", shown)
        assert "Task" in shown

    def test_a_terminal_gets_bars_and_a_summary_in_sentences(
        self, org: FakeOrg, environment: None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for _ in range(250):
            lead(org)
        terminal = _Terminal()
        monkeypatch.setattr("sys.stdout", terminal)

        code = _run(["sync", "--dry-run"])

        shown = _plain_text(terminal.getvalue())
        assert code == ExitCode.OK
        assert re.search(r"250/250\s+records", shown)  # the total is the first page's totalSize
        assert "Sync run 1 succeeded in" in shown
        assert "(dry run, nothing written)." in shown
        assert "Pulled: 250 Lead" in shown
        assert "MQLs: " in shown
        assert "state=succeeded" not in shown

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


def test_the_terminal_summary_says_what_to_do_about_failures() -> None:
    from app.cli.sync_summary import RunStory, render
    from app.reports.run_routes import RouteOutcome

    counts = {
        "pulled": {"Lead": 1200, "Task": 30},
        "deleted": {"Lead": 2},
        "qualified": 14,
        "promoted": 12,
        "reassigned": 1,
        "written": 10,
        "held": 3,
        "held_by_field": {"Industry": 2, "Country": 1},
        "failed": 2,
        "queued_for_retry": 1,
        "api_calls": 9,
        "api_usage": {"used": 18234, "max": 115000},
    }
    story = RunStory(
        fields={"run_id": 7, "state": "partial", "dry_run": False, "full": False, "seconds": 4.2},
        counts=counts,
        routes=[RouteOutcome(1, [("Ana Silva", 7), ("Ben Okafor", 5)])],
        permanent_failures=["00Q000000000001AAA: FIELD_CUSTOM_VALIDATION_EXCEPTION"],
    )
    assert render(story) == [
        "Sync run 7 finished with failed writes in 4.2 s (live).",
        "Pulled: 1,200 Lead (2 deleted), 30 Task.",
        "MQLs: 14 qualified, set 12; 1 reassigned, 10 writes.",
        "Owners by route:",
        "  route 1: Ana Silva (7), Ben Okafor (5)",
        "Held: 3 leads (missing Country 1, missing Industry 2).",
        "Failed writes: 2. 1 are queued and the next sync retries them; nothing to do unless they "
        "keep failing.",
        "  Not retried (Salesforce refused them; fix the lead or the org's validation rules, then "
        "run again): 00Q000000000001AAA: FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "API: 9 calls this run; the org has used 18,234 of 115,000 in the last 24 hours.",
    ]
