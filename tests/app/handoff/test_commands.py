"""`handoff rules check`, `handoff rules explain`, `simulate` and `load_rules`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli.main import main
from app.errors import HandoffError
from app.handoff import simulate
from app.handoff.explain import explain_lead, normalise_lead_id
from app.handoff.rules_file import RulesFileError, load_rules, parse_rules_text
from tests.app.handoff.conftest import QUEUE, REP1, REP2, RULES, World, lead_id, qualifying

MQL = "Marketing Qualified"


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


class TestRulesCheck:
    def test_a_good_file_exits_0_with_one_summary_line(self, tmp_path: Path, capsys):
        path = tmp_path / "rules.yaml"
        path.write_text(RULES)
        code, out, err = run_main(["rules", "check", str(path)], capsys)
        assert code == 0
        assert out.count("\n") == 1
        assert out.startswith(f"{path}: OK: rules v7")
        assert err == ""

    def test_a_bad_file_prints_file_line_place_message_per_error(self, tmp_path: Path, capsys):
        path = tmp_path / "rules.yaml"
        path.write_text(RULES.replace("value: 100", "value: abc").replace("op: in,", "op: into,"))
        code, out, err = run_main(["rules", "check", str(path)], capsys)
        assert (code, out) == (1, "")
        lines = err.strip().splitlines()
        assert len(lines) >= 2
        assert lines[0].startswith(f"{path}:8: fit[0].value: ")
        assert any(f"{path}:11: interest[0].op: unknown operator 'into'" in x for x in lines)
        assert "Traceback" not in err

    def test_a_missing_file_is_one_clear_line(self, tmp_path: Path, capsys):
        code, _, err = run_main(["rules", "check", str(tmp_path / "none.yaml")], capsys)
        assert code == 1
        assert err.strip() == f"error: {tmp_path / 'none.yaml'}: no such rules file " + (
            "(set HANDOFF_RULES to its path)"
        )

    def test_the_default_file_comes_from_handoff_rules(self, tmp_path, capsys, monkeypatch):
        path = tmp_path / "mine.yaml"
        path.write_text(RULES)
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("HANDOFF_RULES", str(path))
        code, out, _ = run_main(["rules", "check"], capsys)
        assert (code, out.split(":")[0]) == (0, str(path))

    def test_a_webhook_variable_unset_here_fails_the_check_with_its_name(
        self, tmp_path: Path, capsys, monkeypatch
    ):
        path = tmp_path / "rules.yaml"
        step = "  on_breach:\n    - notify: {webhook_env: HANDOFF_TEST_HOOK_X}\n"
        path.write_text(RULES.replace("writeback:", "sla:\n" + step + "writeback:"))
        monkeypatch.delenv("HANDOFF_TEST_HOOK_X", raising=False)
        code, out, err = run_main(["rules", "check", str(path)], capsys)
        assert (code, out) == (1, "")
        line = RULES.count("\n", 0, RULES.index("writeback:")) + 3
        assert err.strip() == (
            f"{path}:{line}: sla.on_breach[0].notify.webhook_env: HANDOFF_TEST_HOOK_X is not "
            "set in this environment: breach notifications would fail; set it to the webhook's "
            "URL where the service runs"
        )
        monkeypatch.setenv("HANDOFF_TEST_HOOK_X", "https://hooks.example.com/secret-path")
        code, out, err = run_main(["rules", "check", str(path)], capsys)
        assert code == 0
        assert "secret-path" not in out + err


class TestLoadRules:
    def test_errors_name_file_line_and_place(self, tmp_path: Path):
        path = tmp_path / "rules.yaml"
        path.write_text(RULES.replace("fit: 40", "fit: 4000"))
        with pytest.raises(RulesFileError) as raised:
            load_rules(path)
        assert raised.value.lines == [
            f"{path}:12: thresholds.fit: 4000 cannot be reached: the fit rules add up to at most 50"
        ]

    def test_a_directory_is_refused_in_one_line(self, tmp_path: Path):
        with pytest.raises(RulesFileError, match="is a directory"):
            load_rules(tmp_path)


class TestExplain:
    def test_ids_of_15_characters_are_normalised_and_bad_ones_refused(self):
        assert normalise_lead_id(lead_id(1)[:15]) == lead_id(1)
        with pytest.raises(HandoffError, match="not a 15 or 18 character Lead Id"):
            normalise_lead_id("001000000000001")
        with pytest.raises(HandoffError, match="wrong checksum"):
            normalise_lead_id(lead_id(1)[:15] + "ZZZ")

    def test_shows_decision_writes_and_the_current_rules_when_they_changed(self, world: World):
        lead = world.add(1, **qualifying())
        world.run()
        world.pull()
        changed = parse_rules_text(RULES.replace("fit: 40", "fit: 45"), "rules.yaml")
        with world.sessions() as session:
            found = explain_lead(session, lead[:15], changed)
        assert found["decision"]["mql"] is True
        assert found["decision"]["rules_version"] == "7"
        assert found["decision"]["write_state"] == "written"
        [write] = found["writes"]
        assert write["success"] is True
        assert write["values"]["Status"] == MQL
        assert found["current_rules"]["rules_hash"] == changed.content_hash
        assert found["current_rules"]["mql"] is False  # the lead is MQL now: not promoted again

    def test_leaves_out_current_rules_when_unchanged(self, world: World):
        lead = world.add(1, **qualifying())
        world.run()
        with world.sessions() as session:
            found = explain_lead(session, lead, parse_rules_text(RULES, "rules.yaml"))
        assert "current_rules" not in found

    def test_an_unknown_lead_says_to_sync_first(self, world: World):
        with world.sessions() as session, pytest.raises(HandoffError, match="handoff sync"):
            explain_lead(session, lead_id(99), None)

    def test_the_command_prints_json(self, world: World, tmp_path, capsys, monkeypatch):
        lead = world.add(1, **qualifying())
        world.run()
        rules = tmp_path / "rules.yaml"
        rules.write_text(RULES)
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("HANDOFF_DATABASE_URL", world.engine.url.render_as_string(False))
        monkeypatch.setenv("HANDOFF_RULES", str(rules))
        code, out, _ = run_main(["rules", "explain", lead, "--json"], capsys)
        assert code == 0
        assert json.loads(out)["decision"]["explanation"].startswith("MQL (rules v7)")
        code, out, _ = run_main(["rules", "explain", lead[:15]], capsys)
        assert code == 0
        assert f"lead_id={lead}\n" in out
        assert "write_state=written\n" in out
        assert "success=True" in out


class TestSimulate:
    def test_counts_what_the_rules_would_change_and_writes_nothing(self, world: World):
        for n in range(1, 5):
            world.add(n, **qualifying())
        world.add(5, **qualifying(Country="France"))
        world.add(6, **qualifying(Phone=None))
        world.pull()
        read = len(world.org.requests)
        ruleset = parse_rules_text(RULES, "rules.yaml")
        stricter = parse_rules_text(RULES.replace('"US", "USA"', '"USA"'), "rules.yaml")
        with world.sessions() as session:
            result = simulate(session, stricter, active=ruleset)
            again = simulate(session, stricter, active=ruleset)
        assert (result.mql, result.held, result.held_by_field) == (5, 1, {"Phone": 1})
        assert result.by_owner == {QUEUE: 5}
        assert result.by_route == {"routes[1]": 5}
        assert result.changes == {"newly_mql": 0, "no_longer_mql": 0, "other_owner": 4}
        assert again == result
        assert len(world.org.requests) == read  # simulating asks the org nothing

    def test_pools_are_served_in_turn(self, world: World):
        for n in range(1, 5):
            world.add(n, **qualifying())
        world.pull()
        with world.sessions() as session:
            result = simulate(session, parse_rules_text(RULES, "rules.yaml"))
        assert result.by_owner == {REP1: 2, REP2: 2}
        assert result.changes is None
