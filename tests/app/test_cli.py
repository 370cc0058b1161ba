"""The CLI's contract: help, exit statuses, plain output off a terminal, no tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.cli.main import main


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


def test_version_prints_the_installed_version(capsys) -> None:
    code, out, _ = run_main(["version"], capsys)
    assert code == 0
    assert out.strip() == "0.1.0"


def test_unknown_command_is_a_usage_error(capsys) -> None:
    code, _, err = run_main(["no-such-command"], capsys)
    assert code == 2
    assert "No such command" in err


def test_help_lists_commands(capsys) -> None:
    code, out, _ = run_main(["--help"], capsys)
    assert code == 0
    assert "check-connection" in out


def test_bad_settings_give_one_line_each_and_exit_1(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HANDOFF_WRITE_MODE", "yolo")
    code, _, err = run_main(["check-connection"], capsys)
    assert code == 1
    assert "HANDOFF_WRITE_MODE" in err
    assert "Traceback" not in err


def test_the_console_script_never_prints_a_traceback(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from app.cli.main import main; main(['check-connection'])"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "SF_INSTANCE_URL": "https://x"},
        check=False,
    )
    assert result.returncode == 1
    assert "SF_ACCESS_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
