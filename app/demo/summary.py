"""What the demo tells a newcomer after its first sync: the loop's outcome in a dozen lines.

Figures come from the store the API serves (the same report functions behind `/handoff/status`
and `/reports/win-loss`), so what the summary says is what the endpoints answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.reports.handoff import handoff_status
from app.reports.models import HandoffStatus, Segment, SlaSettings, WinLoss
from app.reports.run_routes import RouteOutcome, owners_by_route
from app.reports.winloss import win_loss
from app.store.models import SyncRun
from rules import RuleSet

ACCEPTANCE_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class DemoSummary:
    run: SyncRun
    routes: list[RouteOutcome]
    status: HandoffStatus
    win_loss: WinLoss


def summarise(session: Session, run: SyncRun, ruleset: RuleSet, now: datetime) -> DemoSummary:
    """The figures of the summary, read from the store after `run`."""
    sla = SlaSettings(
        first_touch_hours=ruleset.sla.first_touch_hours, stale_days=ruleset.sla.stale_days
    )
    return DemoSummary(
        run=run,
        routes=owners_by_route(session, run.id),
        status=handoff_status(session, as_of=now, since=now - ACCEPTANCE_WINDOW, sla=sla),
        win_loss=win_loss(session),
    )


def _rate(segment: Segment) -> str:
    if segment.win_rate is None:
        return f"no closed opportunities ({segment.closed})"
    text = f"{segment.win_rate:.1%} of {segment.closed} closed"
    if segment.win_rate_95 is not None:
        text += f" (95% CI {segment.win_rate_95.low:.1%}-{segment.win_rate_95.high:.1%})"
    return text


def _points(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f} pp"


def render(summary: DemoSummary) -> list[str]:
    """The summary as lines for a person."""
    counts = summary.run.counts
    status, report = summary.status, summary.win_loss
    lines = [
        f"Live sync (run {summary.run.id}) {summary.run.state}: "
        f"{counts.get('pulled', {}).get('Lead', 0)} leads pulled, "
        f"{counts.get('qualified', 0)} qualified, {counts.get('promoted', 0)} MQLs set, "
        f"{counts.get('held', 0)} held for missing fields, {counts.get('written', 0)} writes.",
        "Owners assigned by route:",
    ]
    lines += [
        f"  route {r.route}: " + ", ".join(f"{name} ({n})" for name, n in r.owners)
        for r in summary.routes
    ] or ["  none in this run"]
    lines += [
        f"SLA of {status.mql_open} open MQLs: {status.pending} pending, {status.met} met, "
        f"{status.breached} breached, {status.stale} stale"
        f" ({status.mql_at_unknown} with no known MQL time).",
        "Win/loss (all closed opportunities):",
        f"  all            {_rate(report.all)}",
        f"  excluding MQLs {_rate(report.excluding_mql)}",
        f"  MQL-originated {_rate(report.mql_only)}",
        f"  difference     {_points(report.difference_pp)} (all minus excluding MQLs)",
    ]
    comparison = report.mql_vs_non_mql_pp
    if comparison.p_value is not None:
        lines.append(
            f"  MQL vs non-MQL {_points(comparison.difference_pp)}, "
            f"two-proportion z-test p={comparison.p_value:.3f}"
        )
    return lines
