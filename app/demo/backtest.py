"""The demo's backtest: a stricter copy of the sample rules, judged on the simulated org's
history beside the rules the demo runs, so a newcomer sees how a rules change is proven.

The stricter file raises the fit threshold (bigger, more senior leads only) and is written
beside the rules file, so `handoff rules backtest handoff-demo/rules-stricter.yaml` (or
`POST /rules/backtest`) repeats it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from app.reports.backtest import backtest
from app.reports.outcome_models import Backtest, BacktestSide
from rules import RuleSet, parse_rules

STRICTER_FILE = "rules-stricter.yaml"
_THRESHOLDS = "thresholds: {fit: 40, interest: 25}"
_STRICTER = "thresholds: {fit: 50, interest: 25}"


def stricter_rules(text: str) -> str | None:
    """The sample rules with a higher fit threshold (and the next version number); None when
    the thresholds were edited by hand, since then "stricter" is the person's call."""
    if _THRESHOLDS not in text:
        return None
    return text.replace(_THRESHOLDS, _STRICTER).replace("\nversion: 1 ", "\nversion: 2 ", 1)


def write_stricter(rules_path: Path) -> Path | None:
    """Write the stricter copy of `rules_path` beside it; returns its path (None: not made)."""
    stricter = stricter_rules(rules_path.read_text(encoding="utf-8"))
    if stricter is None:
        return None
    path = rules_path.with_name(STRICTER_FILE)
    path.write_text(stricter, encoding="utf-8")
    return path


SKIPPED = [
    "Backtest: skipped, the rules file's thresholds were edited; prove your own candidate with "
    "handoff rules backtest FILE."
]


def demo_backtest(session: Session, stricter: Path, current: RuleSet) -> Backtest:
    return backtest(session, parse_rules(stricter.read_text(encoding="utf-8")), current)


def _side(name: str, side: BacktestSide) -> str:
    win = side.mql.win_rate
    interval = side.mql.win_rate_95
    rate = "n/a" if win is None else f"{win:.1%}"
    if interval is not None:
        rate += f" (95% CI {interval.low:.1%}-{interval.high:.1%})"
    other = side.non_mql.win_rate
    return (
        f"  {name:<9} {side.mql.leads} MQLs, win rate {rate} of {side.mql.closed} closed; "
        f"non-MQLs {'n/a' if other is None else f'{other:.1%}'} of {side.non_mql.closed}"
    )


def render_backtest(report: Backtest, stricter: Path) -> list[str]:
    """The backtest as lines for the demo's summary."""
    lines = [
        f"Backtest of a stricter rules file ({stricter}: fit threshold 50, not 40) on the "
        f"{report.leads} leads of the simulated org's history:",
        _side("stricter", report.candidate),
    ]
    if report.current is not None:
        lines.append(_side("current", report.current))
    if report.changes is not None:
        lines.append(
            f"  {report.changes.left_mql} leads would stop being MQL, "
            f"{report.changes.became_mql} would become MQL"
        )
    lines += [
        f"  Verdict: {report.verdict}",
        f"  (Today's field values, not those at creation. Repeat it: handoff rules backtest "
        f"{stricter})",
    ]
    return lines
