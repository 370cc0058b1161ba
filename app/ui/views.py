"""What each dashboard page shows: the report functions the API serves, plus their charts.

Every figure comes from the same functions behind the JSON endpoints (`app.reports`) and the
store's repositories, called in-process: the pages and the API cannot disagree, and a page costs
what its reports cost. Each chart is built from the same rows as the table beside it.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy.orm import Session

from app.active_rules import ActiveRules
from app.api.audit import lead_id_forms
from app.reports.breaches import breaches_report
from app.reports.leads import open_mqls
from app.reports.models import (
    FirstTouchByWeek,
    Funnel,
    HandoffStatus,
    MqlAging,
    RulesReport,
    SlaSettings,
    SlaState,
    WinLoss,
    WinLossGroup,
)
from app.reports.outcome_models import Backtest
from app.reports.routing import held_leads, ledger, matching
from app.reports.rules_report import rules_report
from app.reports.winloss import win_loss
from app.store import repo_audit, repo_backtests, repo_runs
from app.store.models import SyncRun
from app.store.repo_audit import AuditRecord
from app.ui import words
from app.ui.charts import (
    Bar,
    RateBar,
    Series,
    StackedBar,
    bar_chart,
    interval_chart,
    line_chart,
    stacked_chart,
)
from app.ui.snapshots import Kept
from rules import RuleSet

# The order and colours of the states in the charts: from forgotten to late.
SLA_STATES = tuple(
    s.value for s in (SlaState.STALE, SlaState.PENDING, SlaState.MET, SlaState.BREACHED)
)
BREACHED_SHOWN = 10
RUNS_SHOWN = 50
OWNERS_CHARTED = 15
AUDIT_SHOWN = 100
ACTIONS_SHOWN = 100
# The window of the SLA page's first-touch figures and of `GET /handoff/breaches`' default.
BREACH_WINDOW = timedelta(days=30)


def _last_finished(runs: list[SyncRun]) -> SyncRun | None:
    return next((run for run in runs if run.finished_at is not None), None)


def overview(
    session: Session, now: datetime, sla: SlaSettings, status: HandoffStatus
) -> dict[str, Any]:
    """Open MQLs by SLA state (`status`), the breached ones, the last sync and the API budget."""
    states = [Bar(state, getattr(status, state), n) for n, state in enumerate(SLA_STATES)]
    breached = open_mqls(session, as_of=now, sla=sla, state="breached", limit=BREACHED_SHOWN)
    runs = repo_runs.runs_page(session, before=None, limit=5)
    last = _last_finished(runs)
    usage = (last.counts or {}).get("api_usage") if last else None
    return {
        "status": status,
        "states_chart": bar_chart("Open MQLs by SLA state", states, "chart-states", words.count),
        "breached": breached.items,
        "more_breached": breached.last is not None,
        "last_run": runs[0] if runs else None,
        "api_usage": usage or {},
    }


def _owner_label(name: str | None, owner_id: str | None) -> str:
    return name or owner_id or "no owner"


def sla_page(status: HandoffStatus, aging: MqlAging, weekly: FirstTouchByWeek) -> dict[str, Any]:
    """The SLA by owner (`status`), the aging of open MQLs and first-touch times week by week."""
    busiest = sorted(status.by_owner, key=lambda o: -o.mql_open)[:OWNERS_CHARTED]
    owner_bars = [
        StackedBar(
            _owner_label(o.owner_name, o.owner_id), [getattr(o, state) for state in SLA_STATES]
        )
        for o in busiest
        if o.mql_open
    ]
    weeks = [w.week_start.isoformat() for w in weekly.weeks]
    return {
        "status": status,
        "owners_chart": stacked_chart(
            f"Open MQLs by SLA state, the {OWNERS_CHARTED} owners with the most",
            owner_bars,
            SLA_STATES,
            "chart-owners",
            words.count,
        ),
        "aging": aging,
        "aging_chart": bar_chart(
            "Open MQLs by time since they became MQLs",
            [Bar(b.label, b.mql_open) for b in aging.buckets],
            "chart-aging",
            words.count,
        ),
        "weekly": weekly,
        "weekly_chart": line_chart(
            "Hours to first touch by week of MQL time",
            weeks,
            [
                Series("median", [w.median_hours_to_first_touch for w in weekly.weeks]),
                Series("90th percentile", [w.p90_hours_to_first_touch for w in weekly.weeks]),
            ],
            "chart-weekly",
            lambda v: f"{v:.0f} h",
        ),
    }


def breaches_page(session: Session, now: datetime, dry_run: bool) -> dict[str, Any]:
    """Breaches due in the last 30 days by owner and target, and the actions taken on them
    (those a dry run recorded when the service writes nothing, as it would have taken them)."""
    report = breaches_report(
        session, start=now - BREACH_WINDOW, end=now, dry_run=dry_run, limit=ACTIONS_SHOWN
    )
    busiest = sorted(report.by_owner, key=lambda g: -g.breaches)[:OWNERS_CHARTED]
    return {
        "report": report,
        "dry_run": dry_run,
        "actions_taken": sum(sum(g.actions.values()) for g in report.by_owner),
        "followed": sum(g.followed_by_touch for g in report.by_owner),
        "owners_chart": bar_chart(
            f"Breaches by owner, the {OWNERS_CHARTED} with the most",
            [Bar(_owner_label(g.label, g.key), g.breaches) for g in busiest if g.breaches],
            "chart-breaches",
            words.count,
        ),
    }


def _rate_bars(label: str, group: WinLoss | WinLossGroup) -> list[RateBar]:
    bars = []
    for series, (name, segment) in enumerate(
        (("MQL", group.mql_only), ("not MQL", group.excluding_mql))
    ):
        interval = segment.win_rate_95
        bars.append(
            RateBar(
                f"{label} {name}".strip(),
                segment.win_rate,
                interval.low if interval else None,
                interval.high if interval else None,
                series,
            )
        )
    return bars


def win_loss_page(session: Session) -> dict[str, Any]:
    """MQL against non-MQL win rates with their intervals, overall and by fiscal quarter."""
    report = win_loss(session, group_by="quarter")
    quarters = report.groups or []
    by_quarter = [bar for g in quarters for bar in _rate_bars(g.label or g.key or "", g)]
    return {
        "report": report,
        "sentence": words.win_loss_sentence(
            report.mql_only, report.excluding_mql, report.mql_vs_non_mql_pp
        ),
        "overall_chart": interval_chart(
            "Win rate with 95% interval, all time", _rate_bars("", report), "chart-winloss"
        ),
        "quarters_chart": interval_chart(
            "Win rate with 95% interval by fiscal quarter of close", by_quarter, "chart-quarters"
        ),
    }


def funnel_page(kept: Kept[Funnel] | None) -> dict[str, Any]:
    """Lead to won, by month the lead was created (figures kept from sync to sync)."""
    if kept is None:
        return {"report": None, "kept": None}
    report = kept.value
    total = report.total
    stages = [
        Bar("leads", total.leads),
        Bar("MQL", total.mql),
        Bar("accepted", total.accepted),
        Bar("opportunity", total.opportunity),
        Bar("won", total.won),
    ]
    months = [m.month or "unknown" for m in report.months]
    return {
        "report": report,
        "kept": kept,
        "stages_chart": bar_chart(
            "Leads at each stage, all months", stages, "chart-stages", words.count
        ),
        "months_chart": line_chart(
            "Share of leads that became MQLs, and of MQLs that were accepted, by month",
            months,
            [
                Series("lead to MQL", [_pct(m.lead_to_mql) for m in report.months]),
                Series("MQL to accepted", [_pct(m.mql_to_accepted) for m in report.months]),
            ],
            "chart-months",
            lambda v: f"{v:.0f}%",
        ),
    }


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100


RulesKey = tuple[str | None, str | None]


def rules_key(active: ActiveRules) -> RulesKey:
    """What the rules page's figures depend on besides the runs: the active rules."""
    return (active.content_hash, active.version)


def ui_rules_report(session: Session, key: Hashable) -> RulesReport:
    rules_hash, rules_version = cast(RulesKey, key)
    return rules_report(session, rules_hash=rules_hash, rules_version=rules_version)


def latest_backtest(session: Session) -> dict[str, Any]:
    """The newest finished backtest, for the rules page."""
    latest = repo_backtests.latest_finished(session)
    return {
        "backtest": Backtest.model_validate(latest.result) if latest and latest.result else None,
        "backtest_at": latest.finished_at if latest else None,
    }


def rules_page(kept: Kept[RulesReport] | None, session: Session) -> dict[str, Any]:
    """Per rule: leads matched, MQLs, converted, win rate; and leads held by missing field
    (figures kept from sync to sync); the newest backtest beside them."""
    if kept is None:
        return {"report": None, "kept": None, **latest_backtest(session)}
    report = kept.value
    return {
        "report": report,
        "kept": kept,
        **latest_backtest(session),
        "rules_chart": bar_chart(
            "Leads matched by each rule",
            [Bar(r.name or r.rule, r.leads_matched) for r in report.rules],
            "chart-rules",
            words.count,
        ),
    }


def sync_page(session: Session) -> dict[str, Any]:
    """The recent runs, newest first, those that failed or left writes to retry marked."""
    runs = repo_runs.runs_page(session, before=None, limit=RUNS_SHOWN)
    failures = [
        (run, repo_runs.permanent_failures(session, run.id))
        for run in runs
        if run.state in ("failed", "partial")
    ]
    return {"runs": runs, "failures": failures}


@dataclass(frozen=True)
class LeadTrail:
    lead_id: str
    records: list[AuditRecord]
    more: bool


def lead_page(session: Session, lead_id: str) -> LeadTrail:
    """The lead's newest decisions with their writes, as `GET /audit` reads them."""
    found = repo_audit.lead_audit(session, lead_id_forms(lead_id), limit=AUDIT_SHOWN + 1)
    return LeadTrail(lead_id, found[:AUDIT_SHOWN], more=len(found) > AUDIT_SHOWN)


def routing_page(session: Session, ruleset: RuleSet | None, now: datetime) -> dict[str, Any]:
    """The fairness ledger of each pool, lead-to-account matching, and the leads held."""
    start = now - timedelta(days=30)
    book = ledger(session, ruleset, start=start, end=now, route=None) if ruleset else None
    found = matching(session, start=start, end=now)
    charts = {}
    for pool in book.pools if book else []:
        bars = []
        for m in pool.members:
            name = m.name or m.user_id
            bars += [Bar(f"{name}", m.assigned, 0), Bar(f"{name} expected", m.expected_share, 1)]
        charts[pool.route] = bar_chart(
            f"Leads assigned and expected share, route {pool.route}", bars,
            f"chart-ledger-{pool.route}", words.count,
        )  # fmt: skip
    matched = [Bar(f"by {m.replace('_', ' ')}", n) for m, n in found.matched_by_method.items()]
    matching_chart = bar_chart(
        "Owner choices by how the lead matched an Account",
        [*matched, Bar("unmatched", found.unmatched, 1),
         Bar("to account owner", found.routed_to_account_owner, 2)],
        "chart-matching", words.count,
    )  # fmt: skip
    return {
        "ledger": book, "charts": charts, "matching": found, "matching_chart": matching_chart,
        "held": held_leads(session, limit=100, after=None),
    }  # fmt: skip
