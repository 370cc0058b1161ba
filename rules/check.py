"""What `handoff rules check FILE` prints, as a pure function the CLI calls with the file's text.

The app reads the file and maps `ok` to the exit status (0 or 1); everything the person sees is
decided here, so the command, `POST /rules/validate` and the tests agree on the words.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.ids import to18
from rules.issues import Issue, Path, RulesInvalid, format_issues, place_of
from rules.model import Condition
from rules.parse import parse_rules
from rules.patterns import has_nested_quantifier
from rules.ruleset import RuleSet
from rules.yaml_source import line_of


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
    warnings = format_issues([*pattern_warnings(ruleset), *routing_warnings(ruleset)], source)
    return CheckResult(ok=True, lines=[*warnings, summary(ruleset, source)])


def pattern_warnings(ruleset: RuleSet) -> list[Issue]:
    """A warning for each `matches` pattern with nested quantifiers (see `rules.patterns`)."""
    model = ruleset.model
    conditions: list[tuple[Path, Condition]] = [
        ((section, index), rule)
        for section, rules in (
            ("fit", model.fit),
            ("interest", model.interest),
            ("disqualify", model.disqualify),
        )
        for index, rule in enumerate(rules)
    ]
    conditions += [
        (("assignment", "routes", r, "when", c), condition)
        for r, route in enumerate(model.assignment.routes)
        for c, condition in enumerate(route.when)
        if isinstance(condition, Condition)
    ]
    return [
        Issue(
            line_of(ruleset.lines, (*path, "value")),
            place_of((*path, "value")),
            _NESTED_WARNING.format(pattern=condition.value),
            "warning",
        )
        for path, condition in conditions
        if condition.op == "matches" and has_nested_quantifier(str(condition.value))
    ]


def routing_warnings(ruleset: RuleSet) -> list[Issue]:
    """A warning for each route whose members all have calendars with no working hours at all:
    with availability on, its leads would be held for ever."""
    settings = ruleset.model.assignment.availability
    if settings is None:
        return []
    calendars = ruleset.calendars
    default = calendars.get(settings.calendar) if settings.calendar else None
    found: list[Issue] = []
    for route in ruleset.routes:
        users = [m for m in route.pool if not m.startswith("00G")]
        if not users or len(users) != len(route.pool):
            continue  # a queue is always available
        overrides = {to18(u): n for u, n in settings.user_calendars.items()}
        chosen = [calendars.get(overrides[m]) if m in overrides else default for m in users]
        if all(c is not None and not c.has_working_time for c in chosen):
            path: Path = ("assignment", "routes", route.index)
            found.append(Issue(
                line_of(ruleset.lines, path), place_of(path),
                f"route {route.index} has no working hours at all: every member's calendar is "
                "empty, so its leads would be held for ever", "warning",
            ))  # fmt: skip
    return found


_NESTED_WARNING = (
    "{pattern!r} nests quantifiers: harmless here (matches run in linear time) but a sign of a "
    "mistake, and catastrophically slow in backtracking engines; simplify it ((a+)+ is a+)"
)


def summary(ruleset: RuleSet, source: str) -> str:
    """One line about good rules: version, hash and what the file holds."""
    model = ruleset.model
    counts = (
        f"{len(model.fit)} fit, {len(model.interest)} interest, "
        f"{len(model.disqualify)} disqualify rules, {len(model.assignment.routes)} routes"
    )
    return f"{source}: OK: rules v{ruleset.version} ({ruleset.content_hash[:12]}), {counts}"
