"""API consumption read from the `Sforce-Limit-Info` header of every REST response.

The org's allocation is shared by every integration, so the numbers that matter are the ones
Salesforce reports, not our own count; both are kept so a run can say what it cost.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

_API_USAGE = re.compile(r"(?:^|[;\s])api-usage=(\d+)/(\d+)")
_PER_APP = re.compile(r"per-app-api-usage=(\d+)/(\d+)\(appName=([^)]*)\)")


@dataclass(frozen=True, slots=True)
class PerAppUsage:
    """The connected app's own cap, present when the app has one."""

    app_name: str
    used: int
    max: int


class ApiUsage:
    """Calls we made and the org's rolling 24-hour usage; safe to read from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls = 0
        self._used: int | None = None
        self._max: int | None = None
        self._per_app: PerAppUsage | None = None

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

    def __repr__(self) -> str:
        shown = ("calls", "used", "max", "per_app")
        return (
            "ApiUsage(" + ", ".join(name + "=" + repr(getattr(self, name)) for name in shown) + ")"
        )
