"""`GET /handoff/status` answered from a result kept per sync and per minute of `as_of`.

At a million leads the report is a few grouped queries over the open MQLs (50-100 ms), so four
clients polling a dashboard would keep both cores busy. The data only changes when a sync stores
something, and the SLA states only move with the clock, so one computed result (and its JSON) is
reused while both hold: it is never served once a sync started or finished after it was computed
(one indexed read of the newest run per request tells), nor once it is a minute old. Concurrent
requests that find no fresh result wait for the one computing it instead of all computing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.reports.models import HandoffStatus

MAX_AGE = timedelta(minutes=1)
_KEPT = 64


@dataclass(frozen=True)
class CachedStatus:
    """One computed report, its JSON body, and what it was computed against."""

    report: HandoffStatus
    body: bytes
    computed_at: datetime
    sync_mark: tuple[Any, ...]


class StatusCache:
    """Computed status reports by request key (window, SLA settings); safe across threads."""

    def __init__(self, max_age: timedelta = MAX_AGE) -> None:
        self._max_age = max_age
        self._entries: OrderedDict[Hashable, CachedStatus] = OrderedDict()
        self._lock = threading.Lock()
        self._computing = threading.Lock()

    def get(
        self,
        key: Hashable,
        *,
        now: datetime,
        mark: tuple[Any, ...],
        compute: Callable[[], HandoffStatus],
    ) -> CachedStatus:
        """The kept result for `key` if it is fresh (same sync mark, under a minute old at
        `now`), else a new one from `compute`, kept for the next requests."""
        fresh = self._fresh(key, now, mark)
        if fresh is not None:
            return fresh
        with self._computing:
            fresh = self._fresh(key, now, mark)
            if fresh is not None:
                return fresh
            return self._store(key, now, mark, compute)

    def refresh_ahead(
        self,
        key: Hashable,
        *,
        now: datetime,
        mark: tuple[Any, ...],
        compute: Callable[[], HandoffStatus],
        ahead: timedelta,
    ) -> bool:
        """Compute `key` again if its result is missing, of another sync, or would be too old
        within `ahead`, so requests keep finding a fresh one (the dashboard's warmer calls this
        off any request); True when it computed."""
        with self._computing:
            if self._fresh(key, now + ahead, mark) is not None:
                return False
            self._store(key, now, mark, compute)
            return True

    def _store(
        self,
        key: Hashable,
        now: datetime,
        mark: tuple[Any, ...],
        compute: Callable[[], HandoffStatus],
    ) -> CachedStatus:
        report = compute()
        entry = CachedStatus(report, report.model_dump_json().encode(), now, mark)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > _KEPT:
                self._entries.popitem(last=False)
        return entry

    def _fresh(self, key: Hashable, now: datetime, mark: tuple[Any, ...]) -> CachedStatus | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry.sync_mark != mark:
            return None
        age = now - entry.computed_at
        return entry if timedelta(0) <= age < self._max_age else None
