"""The figures a run record keeps: the pull's report and the handoff's, merged, plus API usage.

Stored as JSON on the run record (`sync_runs.counts`) with the keys the API and the CLI show;
the steps never see this shape, each fills its own report.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from app.handoff import HandoffReport
from app.sync import PullReport
from sf_client import ApiUsage


def run_counts(
    pull: PullReport | None, handoff: HandoffReport | None, usage: ApiUsage
) -> dict[str, Any]:
    """The run record's `counts`: every step's figures (zero for a step that never ran)."""
    per_app = usage.per_app
    pushback = usage.pushback()
    return {
        "pulled": dict(pull.pulled) if pull else {},
        "deleted": dict(pull.deleted) if pull else {},
        **asdict(handoff or HandoffReport()),
        "api_calls": usage.calls,
        # The org's daily API usage after the run (`used` of `max`), from Sforce-Limit-Info, and
        # Handoff's own (`own_used`: per-app usage when the header carries it, else our count
        # over 24 hours) against its budget (`budget_percent` of `max`).
        "api_usage": {
            "used": usage.used,
            "max": usage.max,
            "own_used": usage.own_used,
            "budget_percent": usage.budget.percent if usage.budget else None,
            "per_app_used": per_app.used if per_app else None,
            "per_app_max": per_app.max if per_app else None,
        },
        # Pushback the retries absorbed: requests sent again by reason (`503`, `connection`...),
        # rows sent again after UNABLE_TO_LOCK_ROW, new access tokens taken mid-run, and queries
        # started again from their watermark after INVALID_QUERY_LOCATOR.
        "retried": pushback["retried"],
        "rows_retried": pushback["rows_retried"],
        "reauthentications": pushback["reauthentications"],
        "cursor_restarts": pull.cursor_restarts if pull else 0,
    }
