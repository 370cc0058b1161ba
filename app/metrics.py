"""Prometheus metrics, computed from the store when scraped.

The store is the source of truth (a sync may run from the CLI or another replica, not only from
this process), so a custom collector reads it at scrape time rather than counting in memory.
Each app gets its own `CollectorRegistry`, never the global one, so several apps in one process
(the tests) do not collide.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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
from sqlalchemy.orm import Session, sessionmaker

from app.active_rules import RulesCache
from app.reports.sla import open_mqls_by_state
from app.store import repo_runs
from app.store import repo_tallies as tallies


def _labelled(family: CounterMetricFamily | GaugeMetricFamily, counts: Mapping[str, int]) -> Metric:
    for label, count in counts.items():
        family.add_metric([label], count)
    return family


def _durations(session: Session) -> Metric:
    """Count and total seconds of finished runs (a summary without quantiles)."""
    took = tallies.recent_durations(session)
    family = SummaryMetricFamily(
        "handoff_sync_run_duration_seconds", "Duration of the last 1000 finished sync runs"
    )
    family.add_metric([], count_value=len(took), sum_value=sum(t.total_seconds() for t in took))
    return family


def _last_run(session: Session) -> Iterator[Metric]:
    """Records pulled by object and API usage, as the newest finished run recorded them."""
    run = repo_runs.last_finished_run(session)
    counts: dict[str, Any] = (run.counts or {}) if run is not None else {}
    pulled = GaugeMetricFamily(
        "handoff_last_sync_records_pulled", "Records pulled by the newest run", labels=["object"]
    )
    yield _labelled(pulled, dict(sorted((counts.get("pulled") or {}).items())))
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
    yield _labelled(retried, dict(sorted((counts.get("retried") or {}).items())))
    absorbed = GaugeMetricFamily(
        "handoff_last_sync_pushback",
        "Pushback the newest run absorbed: rows retried after UNABLE_TO_LOCK_ROW, new access "
        "tokens taken mid-run, queries restarted after INVALID_QUERY_LOCATOR",
        labels=["kind"],
    )
    kinds = ("rows_retried", "reauthentications", "cursor_restarts")
    yield _labelled(absorbed, {kind: int(counts.get(kind) or 0) for kind in kinds})


def _store_counts(session: Session) -> Iterator[Metric]:
    """Runs, writes, refusals, breach steps and notifications, counted in the store."""
    yield _labelled(
        CounterMetricFamily(
            "handoff_sync_runs", "Sync runs recorded in the store, by state", labels=["state"]
        ),
        tallies.runs_by_state(session),
    )
    yield _labelled(
        CounterMetricFamily(
            "handoff_writes", "Write attempts to the org, by result", labels=["result"]
        ),
        tallies.writes_by_result(session),
    )
    yield _labelled(
        CounterMetricFamily(
            "handoff_write_refusals",
            "Write attempts the org refused with an error retrying cannot fix, by error code",
            labels=["error_code"],
        ),
        tallies.refusals_by_code(session),
    )
    actions = CounterMetricFamily(
        "handoff_breach_actions",
        "SLA breach steps recorded (live runs), by kind and state",
        labels=["kind", "state"],
    )
    for (kind, state), count in tallies.live_breach_actions(session).items():
        actions.add_metric([kind, state], count)
    yield actions
    yield _labelled(
        GaugeMetricFamily(
            "handoff_breach_notifications",
            "Breach notifications in the outbox, by state (failed ones are not retried)",
            labels=["state"],
        ),
        tallies.outbox_by_state(session),
    )
    attempts = CounterMetricFamily(
        "handoff_breach_notification_attempts", "Delivery attempts of breach notifications"
    )
    attempts.add_metric([], tallies.outbox_attempts(session))
    yield attempts


class StoreCollector(Collector):
    """Reads every metric from the store at scrape time."""

    def __init__(self, sessions: sessionmaker[Session], rules: RulesCache) -> None:
        self.sessions = sessions
        self.rules = rules

    def collect(self) -> Iterator[Metric]:
        with self.sessions() as session:
            yield _durations(session)
            yield from _last_run(session)
            yield from _store_counts(session)
            by_state = open_mqls_by_state(session, datetime.now(UTC), self.rules.current().sla)
            yield _labelled(
                GaugeMetricFamily(
                    "handoff_open_mqls", "Open MQLs by SLA state, now", labels=["sla"]
                ),
                by_state,
            )


def build_registry(sessions: sessionmaker[Session], rules: RulesCache) -> CollectorRegistry:
    """A registry of this app's own, with the store collector in it."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(sessions, rules))
    return registry
