"""Reading the rules file: the one place where a path becomes a `RuleSet`.

`rules` never reads files, so the run, the API (`/readyz`, `/rules`) and `handoff rules check` all
come here, and all report a bad file the same way: one `FILE:LINE: place: message` line per
problem, every problem at once, so an admin fixes the file in one pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from app.errors import HandoffError
from rules import Issue, RuleSet, RulesInvalid, format_issues, parse_rules
from rules.issues import place_of
from rules.yaml_source import line_of


class RulesFileError(HandoffError):
    """The rules file is missing, unreadable or invalid; `lines` holds one line per problem."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


def read_rules_text(path: Path) -> str:
    """The file's text, or a one-line `RulesFileError` saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesFileError(
            [f"{path}: no such rules file (set HANDOFF_RULES to its path)"]
        ) from None
    except IsADirectoryError:
        raise RulesFileError([f"{path}: is a directory, not a rules file"]) from None
    except UnicodeDecodeError:
        raise RulesFileError([f"{path}: is not UTF-8 text"]) from None
    except OSError as exc:
        raise RulesFileError([f"{path}: cannot read the rules file: {exc.strerror}"]) from None


def parse_rules_text(text: str, source: str) -> RuleSet:
    """Parse `text` (read from `source`), or raise `RulesFileError` listing every error."""
    try:
        return parse_rules(text)
    except RulesInvalid as invalid:
        raise RulesFileError(format_issues(invalid.issues, source)) from None


def load_rules(path: Path) -> RuleSet:
    """The rules in `path`, or `RulesFileError` with one `FILE:LINE: place: message` per error."""
    return parse_rules_text(read_rules_text(path), str(path))


def environment_issues(ruleset: RuleSet, environ: Mapping[str, str]) -> list[Issue]:
    """What the rules need from this process's environment and do not find there: the
    variables `sla.on_breach` notifications read their webhook URL from (the URL itself is a
    secret and never shown)."""
    issues = []
    for index, step in enumerate(ruleset.sla.on_breach):
        if step.notify is None or environ.get(step.notify.webhook_env):
            continue
        path = ("sla", "on_breach", index, "notify", "webhook_env")
        message = (
            f"{step.notify.webhook_env} is not set in this environment: breach notifications "
            "would fail; set it to the webhook's URL where the service runs"
        )
        issues.append(Issue(line_of(ruleset.lines, path), place_of(path), message))
    return issues
