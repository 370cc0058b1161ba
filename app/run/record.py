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
    return {
        "pulled": dict(pull.pulled) if pull else {},
        "deleted": dict(pull.deleted) if pull else {},
        **asdict(handoff or HandoffReport()),
        "api_calls": usage.calls,
        # The org's daily API usage after the run (`used` of `max`), from Sforce-Limit-Info.
        "api_usage": {"used": usage.used, "max": usage.max},
    }
