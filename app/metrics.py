"""Prometheus metrics, computed from the store when scraped.

The store is the source of truth (a sync may run from the CLI or another replica, not only from
this process), so a custom collector reads it at scrape time rather than counting in memory.
Each app gets its own `CollectorRegistry`, never the global one, so several apps in one process
(the tests) do not collide.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.active_rules import RulesCache
from app.reports.sla import URGENCY, open_mql, sla_state
from app.store.models import BreachAction, Outbox, SyncRun, Write


def _runs_by_state(session: Session) -> Metric:
    family = CounterMetricFamily(
        "handoff_sync_runs", "Sync runs recorded in the store, by state", labels=["state"]
    )
    for state, count in session.execute(
        select(SyncRun.state, func.count()).group_by(SyncRun.state)
    ):
        family.add_metric([state], int(count))
    return family


def _durations(session: Session) -> Metric:
    """Count and total seconds of finished runs (a summary without quantiles)."""
    finished = session.execute(
        select(SyncRun.started_at, SyncRun.finished_at)
        .where(SyncRun.finished_at.is_not(None))
        .order_by(SyncRun.id.desc())
        .limit(1000)
    ).all()
    total = sum((end - start).total_seconds() for start, end in finished if end is not None)
    family = SummaryMetricFamily(
        "handoff_sync_run_duration_seconds", "Duration of the last 1000 finished sync runs"
    )
    family.add_metric([], count_value=len(finished), sum_value=total)
    return family


def _last_run(session: Session) -> Iterator[Metric]:
    """Records pulled by object and API usage, as the newest finished run recorded them."""
    run = session.scalars(
        select(SyncRun).where(SyncRun.finished_at.is_not(None)).order_by(SyncRun.id.desc())
    ).first()
    counts: dict[str, Any] = run.counts if run is not None else {}
    pulled = GaugeMetricFamily(
        "handoff_last_sync_records_pulled", "Records pulled by the newest run", labels=["object"]
    )
    for sobject, count in sorted((counts.get("pulled") or {}).items()):
        pulled.add_metric([sobject], float(count))
    yield pulled
    usage = GaugeMetricFamily(
        "handoff_salesforce_api_requests",
        "The org's daily API requests as of the newest run: used and max by everyone, own by "
        "Handoff (per-app usage when Salesforce reports it, else Handoff's count over 24 hours)",
        labels=["kind"],
    )
    api = counts.get("api_usage") or {}
    for kind, key in (("used", "used"), ("max", "max"), ("own", "own_used")):
        if isinstance(api.get(key), int | float):
            usage.add_metric([kind], float(api[key]))
    yield usage
    yield from _api_shares(api)
    yield from _pushback(counts)
    calls = GaugeMetricFamily("handoff_last_sync_api_calls", "API calls made by the newest run")
    calls.add_metric([], float(counts.get("api_calls") or 0))
    yield calls
    if run is not None and run.finished_at is not None:
        when = GaugeMetricFamily(
            "handoff_last_sync_finished_timestamp_seconds", "When the newest run finished"
        )
        when.add_metric([], run.finished_at.timestamp())
        yield when


def _api_shares(api: dict[str, Any]) -> Iterator[Metric]:
    """Handoff's own share of the daily allocation, and the share it may use."""
    maximum, own, budget = api.get("max"), api.get("own_used"), api.get("budget_percent")
    if isinstance(maximum, int | float) and maximum > 0 and isinstance(own, int | float):
        share = GaugeMetricFamily(
            "handoff_salesforce_api_own_share",
            "Handoff's own API requests over the org's daily allocation, as of the newest run",
        )
        share.add_metric([], own / maximum)
        yield share
    if isinstance(budget, int | float):
        limit = GaugeMetricFamily(
            "handoff_salesforce_api_budget_share",
            "The share of the daily allocation Handoff may use (HANDOFF_API_BUDGET_PERCENT)",
        )
        limit.add_metric([], budget / 100)
        yield limit


def _pushback(counts: dict[str, Any]) -> Iterator[Metric]:
    """What the newest run's retries absorbed: an org pushing back even when runs succeed."""
    retried = GaugeMetricFamily(
        "handoff_last_sync_requests_retried",
        "Requests the newest run sent again, by what failed (a status like 503, or a code)",
        labels=["reason"],
    )
    for reason, count in sorted((counts.get("retried") or {}).items()):
        retried.add_metric([reason], float(count))
    yield retried
    absorbed = GaugeMetricFamily(
        "handoff_last_sync_pushback",
        "Pushback the newest run absorbed: rows retried after UNABLE_TO_LOCK_ROW, new access "
        "tokens taken mid-run, queries restarted after INVALID_QUERY_LOCATOR",
        labels=["kind"],
    )
    for kind in ("rows_retried", "reauthentications", "cursor_restarts"):
        absorbed.add_metric([kind], float(counts.get(kind) or 0))
    yield absorbed


def _refusals(session: Session) -> Metric:
    """Writes the org refused for good (validation rules, flows, duplicates...), by code."""
    family = CounterMetricFamily(
        "handoff_write_refusals",
        "Write attempts the org refused with an error retrying cannot fix, by error code",
        labels=["error_code"],
    )
    refused = (
        select(Write.error_code, func.count())
        .where(Write.success.is_(False), Write.retryable.is_(False))
        .group_by(Write.error_code)
    )
    for code, count in session.execute(refused):
        family.add_metric([code or "UNKNOWN"], int(count))
    return family


def _writes(session: Session) -> Metric:
    result = case(
        (Write.success.is_(True), "success"),
        (Write.retryable.is_(True), "failed_retryable"),
        else_="failed",
    ).label("result")
    family = CounterMetricFamily(
        "handoff_writes", "Write attempts to the org, by result", labels=["result"]
    )
    found = dict.fromkeys(("success", "failed_retryable", "failed"), 0)
    for name, count in session.execute(select(result, func.count()).group_by(result)):
        found[name] = int(count)
    for name, count in found.items():
        family.add_metric([name], count)
    return family


def _breach_actions(session: Session) -> Metric:
    family = CounterMetricFamily(
        "handoff_breach_actions",
        "SLA breach steps recorded (live runs), by kind and state",
        labels=["kind", "state"],
    )
    query = (
        select(BreachAction.kind, BreachAction.state, func.count())
        .where(BreachAction.dry_run.is_(False))
        .group_by(BreachAction.kind, BreachAction.state)
    )
    for kind, state, count in session.execute(query):
        family.add_metric([kind, state], int(count))
    return family


def _outbox(session: Session) -> Iterator[Metric]:
    family = GaugeMetricFamily(
        "handoff_breach_notifications",
        "Breach notifications in the outbox, by state (failed ones are not retried)",
        labels=["state"],
    )
    found = dict.fromkeys(("pending", "sent", "failed"), 0)
    for name, count in session.execute(select(Outbox.state, func.count()).group_by(Outbox.state)):
        found[name] = int(count)
    for name, count in found.items():
        family.add_metric([name], count)
    yield family
    attempts = CounterMetricFamily(
        "handoff_breach_notification_attempts", "Delivery attempts of breach notifications"
    )
    attempts.add_metric([], int(session.scalar(select(func.sum(Outbox.attempts))) or 0))
    yield attempts


class StoreCollector(Collector):
    """Reads every metric from the store at scrape time."""

    def __init__(self, sessions: sessionmaker[Session], rules: RulesCache) -> None:
        self.sessions = sessions
        self.rules = rules

    def collect(self) -> Iterator[Metric]:
        with self.sessions() as session:
            yield _runs_by_state(session)
            yield _durations(session)
            yield from _last_run(session)
            yield _writes(session)
            yield _breach_actions(session)
            yield from _outbox(session)
            yield _refusals(session)
            yield self._open_mqls(session)

    def _open_mqls(self, session: Session) -> Metric:
        state = sla_state(datetime.now(UTC), self.rules.current().sla).label("state")
        family = GaugeMetricFamily(
            "handoff_open_mqls", "Open MQLs by SLA state, now", labels=["sla"]
        )
        found = dict.fromkeys(URGENCY, 0)
        for name, count in session.execute(
            select(state, func.count()).where(open_mql()).group_by(state)
        ):
            found[name] = int(count)
        for name, count in found.items():
            family.add_metric([name], count)
        return family


def build_registry(sessions: sessionmaker[Session], rules: RulesCache) -> CollectorRegistry:
    """A registry of this app's own, with the store collector in it."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(sessions, rules))
    return registry
