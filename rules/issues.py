"""Validation findings and how they are printed.

Every check in this package reports `Issue`s rather than raising on the first problem, so an admin
fixing a rules file sees all of its mistakes in one go. A place is written the way a person reads
the YAML (`fit[1].value`), which is also what `handoff rules check` prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
Path = tuple[str | int, ...]
FILE_PLACE = "(file)"


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding: where it is (line and place) and what is wrong, in words an admin can act on."""

    line: int | None
    place: str
    message: str
    severity: Severity = "error"


class RulesInvalid(ValueError):
    """The rules text cannot be used; `issues` lists every error (and warning) found."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = list(issues)
        errors = sum(1 for issue in self.issues if issue.severity == "error")
        super().__init__(f"rules file has {errors} error(s)")


def place_of(path: Path) -> str:
    """`("fit", 1, "value")` -> `fit[1].value`; the empty path is the file itself."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or FILE_PLACE


def format_issues(issues: Iterable[Issue], source: str) -> list[str]:
    """One `FILE:LINE: place: message` line per issue, warnings marked as such.

    An issue about the whole file (its syntax, its limits) prints no place: `FILE:LINE: message`.
    An issue without a line (an org fact about the file as a whole) prints `FILE: place: ...`,
    which editors and CI annotators still read as a file-level finding.
    """
    lines = []
    for issue in issues:
        where = f"{source}:{issue.line}" if issue.line is not None else source
        prefix = "warning: " if issue.severity == "warning" else ""
        place = "" if issue.place == FILE_PLACE else f"{issue.place}: "
        lines.append(f"{where}: {place}{prefix}{issue.message}")
    return lines


def has_errors(issues: Iterable[Issue]) -> bool:
    """Warnings never block a run; errors do."""
    return any(issue.severity == "error" for issue in issues)
