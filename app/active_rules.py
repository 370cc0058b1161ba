"""The active rules as the API sees them: the rules file, parsed once per change on disk.

The sync re-reads the file at the start of every run; the API reads it for `/rules`, `/readyz`,
the SLA settings of the handoff reports and the rules report. Parsing on every request would put
YAML parsing on the hot path of `/handoff/status`, so the parse is cached until the file's size
or modification time changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from app.handoff.rules_file import RulesFileError, load_rules
from app.reports.models import SlaSettings
from rules import RuleSet

# The SPEC's example values, used for the SLA reports while no valid rules file is readable.
DEFAULT_SLA = SlaSettings(first_touch_hours=24, stale_days=14)


@dataclass(frozen=True)
class ActiveRules:
    """The rules file's state: valid with its ruleset, or the problems, one line each."""

    path: str
    valid: bool
    version: str | None = None
    content_hash: str | None = None
    problems: list[str] = field(default_factory=list)
    ruleset: RuleSet | None = None

    @property
    def sla(self) -> SlaSettings:
        """The SLA the reports apply: the rules file's, or the SPEC defaults without one."""
        if self.ruleset is None:
            return DEFAULT_SLA
        sla = self.ruleset.sla
        return SlaSettings(
            first_touch_hours=sla.first_touch_hours,
            stale_days=sla.stale_days,
            clock=sla.clock,
            calendar=sla.calendar if sla.clock == "business" else None,
        )


def read_rules(path: Path) -> ActiveRules:
    """Load and check the rules file at `path`; never raises for a bad or missing file."""
    try:
        ruleset = load_rules(path)
    except RulesFileError as error:
        return ActiveRules(path=str(path), valid=False, problems=error.lines)
    return ActiveRules(
        path=str(path),
        valid=True,
        version=str(ruleset.version),
        content_hash=ruleset.content_hash,
        ruleset=ruleset,
    )


class RulesCache:
    """The parsed rules file, re-read when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._rules: ActiveRules | None = None

    def current(self) -> ActiveRules:
        try:
            stat = self.path.stat()
            stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
        with self._lock:
            if self._rules is None or stamp is None or stamp != self._stamp:
                self._rules = read_rules(self.path)
                self._stamp = stamp
            return self._rules
