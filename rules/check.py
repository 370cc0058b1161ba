"""What `handoff rules check FILE` prints, as a pure function the CLI calls with the file's text.

The app reads the file and maps `ok` to the exit status (0 or 1); everything the person sees is
decided here, so the command, `POST /rules/validate` and the tests agree on the words.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.issues import RulesInvalid, format_issues
from rules.parse import parse_rules
from rules.ruleset import RuleSet


@dataclass(frozen=True, slots=True)
class CheckResult:
    """`ok` when the rules can be used; `lines` is the summary or one line per issue."""

    ok: bool
    lines: list[str]


def check_text(text: str, source: str) -> CheckResult:
    """Check rules text read from `source` (a path or `-`), never raising for bad rules."""
    try:
        ruleset = parse_rules(text)
    except RulesInvalid as exc:
        return CheckResult(ok=False, lines=format_issues(exc.issues, source))
    return CheckResult(ok=True, lines=[summary(ruleset, source)])


def summary(ruleset: RuleSet, source: str) -> str:
    """One line about good rules: version, hash and what the file holds."""
    model = ruleset.model
    counts = (
        f"{len(model.fit)} fit, {len(model.interest)} interest, "
        f"{len(model.disqualify)} disqualify rules, {len(model.assignment.routes)} routes"
    )
    return f"{source}: OK: rules v{ruleset.version} ({ruleset.content_hash[:12]}), {counts}"
