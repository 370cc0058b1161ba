"""`judge`: what a rules file says of a lead's fields alone, whatever its status or history.

`decide` answers "promote this lead now?", so a lead already converted or once MQL is never
promoted again. A backtest asks another question of the same rules: "would this lead have been an
MQL?". That is the rules' verdict on the fields: not disqualified, both thresholds reached, and
nothing `handoff_requires` missing. Comparing two rules files over the stored leads compares these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from rules.ruleset import CompiledRule, RuleSet
from rules.values import is_blank


class Verdict(NamedTuple):
    """The rules' verdict on a lead's fields, and what made it."""

    mql: bool
    fit: int
    interest: int
    matched: tuple[CompiledRule, ...]
    disqualified_by: CompiledRule | None
    missing_fields: tuple[str, ...]


def judge(ruleset: RuleSet, fields: Mapping[str, Any]) -> Verdict:
    """Score the fields with the rules and say whether they make an MQL."""
    fit, interest, matched, disqualified_by = ruleset.score(fields)
    qualifies = (
        disqualified_by is None
        and fit >= ruleset.fit_threshold
        and interest >= ruleset.interest_threshold
    )
    missing = (
        tuple(name for name in ruleset.handoff_requires if is_blank(fields.get(name)))
        if qualifies
        else ()
    )
    return Verdict(qualifies and not missing, fit, interest, matched, disqualified_by, missing)
