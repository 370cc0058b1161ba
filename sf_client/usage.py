"""API consumption read from the `Sforce-Limit-Info` header of every REST response.

The org's allocation is shared by every integration, so the numbers that matter are the ones
Salesforce reports, not our own count; both are kept so a run can say what it cost. The same
object counts the pushback that retries absorbed (retried statuses, locked rows sent again,
re-authentications) and holds the optional budget the transport checks before each request.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from sf_client.errors import ApiBudgetSpent

_API_USAGE = re.compile(r"(?:^|[;\s])api-usage=(\d+)/(\d+)")
_PER_APP = re.compile(r"per-app-api-usage=(\d+)/(\d+)\(appName=([^)]*)\)")


@dataclass(frozen=True, slots=True)
class PerAppUsage:
    """The connected app's own cap, present when the app has one."""

    app_name: str
    used: int
    max: int


@dataclass(frozen=True, slots=True)
class ApiBudget:
    """The share of the org's daily allocation this client may use.

    Our own usage is the per-app figure when Salesforce sends one (it counts every process of
    the connected app over the rolling 24 hours); otherwise `earlier_calls` (what the caller
    knows it spent in the last 24 hours) plus the calls of this client.
    """

    percent: float
    earlier_calls: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.percent <= 100:
            raise ValueError("an API budget is a percentage above 0 and at most 100")


class ApiUsage:
    """Calls we made and the org's rolling 24-hour usage; safe to read from any thread."""

    def __init__(self, budget: ApiBudget | None = None) -> None:
        self.budget = budget
        self._lock = threading.Lock()
        self._calls = 0
        self._used: int | None = None
        self._max: int | None = None
        self._per_app: PerAppUsage | None = None
        self._retried: dict[str, int] = {}
        self._rows_retried = 0
        self._reauthentications = 0

    @property
    def calls(self) -> int:
        """REST requests this client sent that reached Salesforce (token requests excluded)."""
        with self._lock:
            return self._calls

    @property
    def used(self) -> int | None:
        """The org's usage as of the latest response; None before the first one."""
        with self._lock:
            return self._used

    @property
    def max(self) -> int | None:
        """The org's daily allocation as of the latest response."""
        with self._lock:
            return self._max

    @property
    def per_app(self) -> PerAppUsage | None:
        """The per-app figures from the latest response that carried them."""
        with self._lock:
            return self._per_app

    def record(self, header: str | None) -> None:
        """Count one call and take the figures from its `Sforce-Limit-Info` header, if any."""
        org = _API_USAGE.search(header or "")
        app = _PER_APP.search(header or "")
        with self._lock:
            self._calls += 1
            if org:
                self._used, self._max = int(org.group(1)), int(org.group(2))
            if app:
                self._per_app = PerAppUsage(app.group(3), int(app.group(1)), int(app.group(2)))

    @property
    def own_used(self) -> int:
        """Requests of ours in the rolling 24 hours: per-app usage, else our own count."""
        with self._lock:
            return self._own_used()

    def _own_used(self) -> int:
        if self._per_app is not None:
            return self._per_app.used
        earlier = self.budget.earlier_calls if self.budget is not None else 0
        return earlier + self._calls

    def check_budget(self) -> None:
        """Raise `ApiBudgetSpent` when one more request would pass the budget.

        Before the first response the allocation is unknown, so the first request always goes.
        """
        with self._lock:
            if self.budget is None or self._max is None:
                return
            allowed = self._max * self.budget.percent / 100
            own = self._own_used()
            if own + 1 <= allowed:
                return
            raise ApiBudgetSpent(
                f"our API usage ({own:,} requests in the last 24 hours) reached the budget of "
                f"{self.budget.percent:g}% of the org's daily allocation ({self._max:,}, so "
                f"{int(allowed):,} requests); the org as a whole used {self._used:,}",
                error_code="API_BUDGET",
            )

    def count_retry(self, reason: str) -> None:
        """One request sent again after `reason` (a status like `503`, or `connection`)."""
        with self._lock:
            self._retried[reason] = self._retried.get(reason, 0) + 1

    def count_rows_retried(self, rows: int) -> None:
        """Rows sent again in a later chunk after UNABLE_TO_LOCK_ROW."""
        with self._lock:
            self._rows_retried += rows

    def count_reauthentication(self) -> None:
        """A new access token taken after the session expired mid-run."""
        with self._lock:
            self._reauthentications += 1

    def pushback(self) -> dict[str, Any]:
        """What the retries absorbed: `retried` by reason, `rows_retried`, `reauthentications`."""
        with self._lock:
            return {
                "retried": dict(self._retried),
                "rows_retried": self._rows_retried,
                "reauthentications": self._reauthentications,
            }

    def __repr__(self) -> str:
        shown = ("calls", "used", "max", "per_app")
        return (
            "ApiUsage(" + ", ".join(name + "=" + repr(getattr(self, name)) for name in shown) + ")"
        )
