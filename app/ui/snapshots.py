"""Reports too heavy to compute on every page view at scale, kept from one sync to the next.

The funnel groups every lead ever created by month, with its episodes and opportunity: about
4 seconds at a million leads, far over what a page may take. Its figures change only when a sync
stores something, so the dashboard keeps the last result with the newest finished run it saw.
A view after another run finished gets the kept figures at once, labelled with their run, while
one background thread computes the new ones; only the very first view of a process computes in
line. The JSON API (`GET /reports/funnel`) still computes on every call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from app.store import repo_runs

log = logging.getLogger("handoff.ui")

T = TypeVar("T")


@dataclass(frozen=True)
class Kept(Generic[T]):
    """A report's figures and the newest finished sync run they include (None: before any)."""

    value: T
    as_of_run: int | None
    refreshing: bool = False


class Snapshot(Generic[T]):
    """One report, recomputed in the background when a newer finished run appears."""

    def __init__(self, compute: Callable[[Session], T], sessions: sessionmaker[Session]) -> None:
        self._compute = compute
        self._sessions = sessions
        self._lock = threading.Lock()
        self._kept: Kept[T] | None = None
        self._refresh: threading.Thread | None = None

    def get(self, session: Session) -> Kept[T]:
        last = repo_runs.last_finished_run(session)
        newest = last.id if last is not None else None
        with self._lock:
            kept = self._kept
            if kept is not None and kept.as_of_run == newest:
                return kept
            if kept is not None:
                self._start_refresh(newest)
                return Kept(kept.value, kept.as_of_run, refreshing=True)
        value = self._compute(session)
        with self._lock:
            self._kept = Kept(value, newest)
            return self._kept

    def _start_refresh(self, newest: int | None) -> None:
        if self._refresh is not None and self._refresh.is_alive():
            return
        self._refresh = threading.Thread(
            target=self._recompute, args=(newest,), name="handoff-ui-snapshot", daemon=True
        )
        self._refresh.start()

    def _recompute(self, newest: int | None) -> None:
        try:
            with self._sessions() as session:
                value = self._compute(session)
        except Exception:  # the kept figures stay; the next view tries again
            log.exception("recomputing a dashboard report failed")
            return
        with self._lock:
            self._kept = Kept(value, newest)

    def wait(self) -> None:
        """Let a refresh in progress finish (tests, shutdown)."""
        refresh = self._refresh
        if refresh is not None:
            refresh.join()
