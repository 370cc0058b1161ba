"""What the demo tells a newcomer after its first sync: the loop's outcome in a dozen lines.

Figures come from the store the API serves (the same report functions behind `/handoff/status`
and `/reports/win-loss`), so what the summary says is what the endpoints answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.reports.handoff import handoff_status
from app.reports.models import HandoffStatus, Segment, SlaSettings, WinLoss
from app.reports.routing import Ledger, Matching, ledger, matching
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
    matching: Matching | None = None
    ledger: Ledger | None = None


def summarise(session: Session, run: SyncRun, ruleset: RuleSet, now: datetime) -> DemoSummary:
    """The figures of the summary, read from the store after `run`."""
    rules_sla = ruleset.sla
    sla = SlaSettings(
        first_touch_hours=rules_sla.first_touch_hours,
        stale_days=rules_sla.stale_days,
        clock=rules_sla.clock,
        calendar=rules_sla.calendar if rules_sla.clock == "business" else None,
    )
    since = run.started_at
    return DemoSummary(
        run=run,
        routes=owners_by_route(session, run.id),
        status=handoff_status(session, as_of=now, since=now - ACCEPTANCE_WINDOW, sla=sla),
        win_loss=win_loss(session),
        matching=matching(session, start=since, end=now),
        ledger=ledger(session, ruleset, start=since, end=now, route=None),
    )


def _routing(summary: DemoSummary) -> list[str]:
    """Who matched an Account, who was passed over and why (GET /reports/matching, ledger)."""
    found, book = summary.matching, summary.ledger
    if found is None or book is None:
        return []
    methods = ", ".join(f"{n} by {m.replace('_', ' ')}" for m, n in
                        sorted(found.matched_by_method.items())) or "none"  # fmt: skip
    lines = [
        f"Routing: {found.matched} of {found.decided} owner choices matched an Account "
        f"({methods}); {found.routed_to_account_owner} went to the account owner, "
        f"{found.held} held for want of an available owner (GET /reports/matching)."
    ]
    for pool in book.pools:
        for member in pool.members:
            for reason, times in sorted(member.skipped.items()):
                lines.append(f"  route {pool.route}: {member.name or member.user_id} passed "
                             f"over {times} times ({reason})")  # fmt: skip
        weights = ", ".join(f"{m.name or m.user_id} weight {m.weight}: {m.assigned} "
                            f"(share {m.expected_share:g})" for m in pool.members
                            if pool.weighted and m.weight != 1)  # fmt: skip
        if weights:
            lines.append(f"  route {pool.route}: {weights} (GET /assignment/ledger)")
    return lines


def _rate(segment: Segment) -> str:
    if segment.win_rate is None:
        return f"no closed opportunities ({segment.closed})"
    text = f"{segment.win_rate:.1%} of {segment.closed} closed"
    if segment.win_rate_95 is not None:
        text += f" (95% CI {segment.win_rate_95.low:.1%}-{segment.win_rate_95.high:.1%})"
    return text


def _points(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f} pp"


def _targets(status: HandoffStatus) -> list[str]:
    return [
        f"  target {t.target} ({t.target_hours:g} h): {t.mql_open} open, {t.breached} breached"
        for t in status.by_target
        if t.target is not None and t.target_hours is not None
    ]


def _breach_actions(counts: dict[str, Any]) -> list[str]:
    """What the run's on_breach steps did."""
    actions: dict[str, int] = counts.get("breach_actions") or {}
    sent: dict[str, int] = counts.get("notifications") or {}
    if not actions:
        return ["Breach actions: none due in this run."]
    notified = sum(n for k, n in actions.items() if k.startswith("notify_"))
    reassigned = actions.get("reassign_queued", 0)
    skipped = actions.get("reassign_skipped", 0)
    return [
        f"Breach actions: {notified} notifications queued ({sent.get('sent', 0)} delivered), "
        f"{reassigned} leads reassigned to a rep who never held them"
        + (f", {skipped} with nobody new to take them" if skipped else "")
        + " (GET /handoff/breaches)."
    ]


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
    clock = (
        "wall-clock hours"
        if status.sla_clock == "calendar"
        else (f"business hours of the {status.sla_calendar} calendar")
    )
    lines += [
        f"SLA of {status.mql_open} open MQLs, in {clock}: {status.pending} pending, "
        f"{status.met} met, {status.breached} breached, {status.stale} stale"
        f" ({status.mql_at_unknown} with no known MQL time).",
        *_targets(status),
        *_routing(summary),
        *_breach_actions(counts),
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
