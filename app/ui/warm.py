"""Keeps the dashboard's figures computed ahead of the people who look at them.

The overview and SLA pages show the default handoff status (the one `GET /handoff/status`
answers without `since`), kept per sync and minute in the shared `StatusCache`; computed on a
view it costs 50-150 ms of CPU at a million leads, several times that on a busy machine. The SLA
page's aging and first touch by week are kept the same way (`PageFigures`). In a serving process
a background thread refreshes them shortly before their minute ends and as soon as a sync starts
or finishes, and asks the funnel and rules snapshots to refresh after a newer run, so views find
the figures made. A view that finds none still computes them (`default_status`):
the figures are never older than the cache allows.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session

from app.active_rules import ActiveRules
from app.api.handoff import DEFAULT_WINDOW
from app.api.status_cache import StatusCache
from app.reports.first_touch_weekly import first_touch_by_week
from app.reports.handoff import handoff_status
from app.reports.models import FirstTouchByWeek, HandoffStatus, MqlAging
from app.reports.mql_aging import mql_aging
from app.store import repo_runs
from app.ui.views import rules_key

log = logging.getLogger("handoff.ui")

# How often the warmer looks, and how long before a kept status expires it computes the next.
EVERY = timedelta(seconds=5)
AHEAD = timedelta(seconds=20)


def _key(active: ActiveRules) -> tuple[None, str]:
    return (None, active.sla.model_dump_json())  # the API's key for its default window


def _compute(session: Session, active: ActiveRules, now: datetime) -> HandoffStatus:
    return handoff_status(session, as_of=now, since=now - DEFAULT_WINDOW, sla=active.sla)


def default_status(
    cache: StatusCache, session: Session, active: ActiveRules, now: datetime
) -> HandoffStatus:
    """`GET /handoff/status`'s default answer, from the same cache (kept per sync and minute)."""
    mark = repo_runs.sync_mark(session)
    kept = cache.get(
        _key(active), now=now, mark=mark, compute=lambda: _compute(session, active, now)
    )
    return kept.report


@dataclass(frozen=True)
class _Entry:
    value: Any
    computed_at: datetime
    mark: tuple[Any, ...]


class PageFigures:
    """The SLA page's other reports (aging, first touch by week), kept like the status: per
    sync and minute, computed by the warmer ahead of time or by a view that finds none."""

    def __init__(self, max_age: timedelta = timedelta(minutes=1)) -> None:
        self._max_age = max_age
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def get(
        self, name: str, now: datetime, mark: tuple[Any, ...], compute: Callable[[], Any]
    ) -> Any:
        entry = self._fresh(name, now, mark)
        if entry is None:
            return self.put(name, compute(), now, mark)
        return entry.value

    def put(self, name: str, value: Any, now: datetime, mark: tuple[Any, ...]) -> Any:
        with self._lock:
            self._entries[name] = _Entry(value, now, mark)
        return value

    def due(self, name: str, now: datetime, mark: tuple[Any, ...]) -> bool:
        return self._fresh(name, now, mark) is None

    def _fresh(self, name: str, now: datetime, mark: tuple[Any, ...]) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(name)
        if entry is None or entry.mark != mark:
            return None
        return entry if timedelta(0) <= now - entry.computed_at < self._max_age else None


SLA_FIGURES: dict[str, Callable[[Session, datetime], Any]] = {
    "aging": lambda session, now: mql_aging(session, as_of=now),
    "weekly": lambda session, now: first_touch_by_week(session, as_of=now),
}


def sla_figures(
    figures: PageFigures, session: Session, now: datetime
) -> tuple[MqlAging, FirstTouchByWeek]:
    """The aging of open MQLs and first touch by week, as the SLA page shows them."""
    mark = repo_runs.sync_mark(session)

    def kept(name: str) -> Any:
        return figures.get(name, now, mark, lambda: SLA_FIGURES[name](session, now))

    return kept("aging"), kept("weekly")


class DashboardWarmer:
    """One daemon thread that refreshes the kept figures every `EVERY` until stopped."""

    def __init__(self, app: FastAPI) -> None:
        self._state = app.state
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="handoff-ui-warm", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick(datetime.now(UTC))
            except Exception:  # a view computes what the warmer could not
                log.exception("warming the dashboard's figures failed")
            self._stop.wait(EVERY.total_seconds())

    def tick(self, now: datetime) -> None:
        state = self._state
        active: ActiveRules = state.rules.current()
        with state.sessions() as session:
            mark = repo_runs.sync_mark(session)
            cache: StatusCache = state.status_cache
            cache.refresh_ahead(
                _key(active), now=now, mark=mark, ahead=AHEAD,
                compute=lambda: _compute(session, active, now),
            )  # fmt: skip
            figures: PageFigures = state.ui_figures
            for name, compute in SLA_FIGURES.items():
                if figures.due(name, now + AHEAD, mark):
                    figures.put(name, compute(session, now), now, mark)
            state.ui_funnel.get(session)
            state.ui_rules.get(session, rules_key(active))
