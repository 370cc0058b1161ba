"""Reports too heavy to compute on every page view at scale, kept from one sync to the next.

The funnel groups every lead ever created by month, with its episodes and opportunity; the rules
report unnests every lead's latest decision: seconds each at a million leads, far over what a
page may take. Their figures change only when a sync stores something (or, for the rules, when
the active rules change), so the dashboard keeps the last result with the newest finished run
and the key it was computed for. A view after another run finished gets the kept figures at
once, labelled with their run, while one background thread computes the new ones.

With nothing kept for the key (a fresh process, new rules), the view starts that computation and
waits for it at most `FIRST_WAIT_SECONDS`: a small store answers in time, a large one gets no
figures yet and the page says they are being computed. `handoff serve` starts the computation
when it starts (`warm`), so people rarely see that. The JSON API still computes on every call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from app.store import repo_runs

log = logging.getLogger("handoff.ui")

T = TypeVar("T")
# Well inside the 300 ms a page may take, with the page's own work after it.
FIRST_WAIT_SECONDS = 0.2


@dataclass(frozen=True)
class Kept(Generic[T]):
    """A report's figures and the newest finished sync run they include (None: before any)."""

    value: T
    as_of_run: int | None
    refreshing: bool = False
    key: Hashable = None


class Snapshot(Generic[T]):
    """One report, recomputed in the background when a newer finished run (or key) appears."""

    def __init__(
        self, compute: Callable[[Session, Hashable], T], sessions: sessionmaker[Session]
    ) -> None:
        self._compute = compute
        self._sessions = sessions
        self._lock = threading.Lock()
        self._kept: Kept[T] | None = None
        self._refresh: threading.Thread | None = None

    def get(self, session: Session, key: Hashable = None) -> Kept[T] | None:
        """The figures for `key` as of the newest finished run, older ones while they are
        recomputed, or None when there are none for `key` yet and they take long to compute."""
        last = repo_runs.last_finished_run(session)
        newest = last.id if last is not None else None
        with self._lock:
            kept = self._kept
            if kept is not None and kept.key == key and kept.as_of_run == newest:
                return kept
            refresh = self._start_refresh(newest, key)
            if kept is not None and kept.key == key:
                return Kept(kept.value, kept.as_of_run, refreshing=True, key=key)
        refresh.join(FIRST_WAIT_SECONDS)
        with self._lock:
            kept = self._kept
            return kept if kept is not None and kept.key == key else None

    def warm(self, key: Hashable = None) -> None:
        """Compute the figures for `key` in the background now, before anyone asks."""
        with self._lock:
            self._start_refresh(None, key, find_newest=True)

    def _start_refresh(
        self, newest: int | None, key: Hashable, find_newest: bool = False
    ) -> threading.Thread:
        running = self._refresh
        if running is not None and running.is_alive():
            return running
        self._refresh = threading.Thread(
            target=self._recompute,
            args=(newest, key, find_newest),
            name="handoff-ui-snapshot",
            daemon=True,
        )
        self._refresh.start()
        return self._refresh

    def _recompute(self, newest: int | None, key: Hashable, find_newest: bool) -> None:
        try:
            with self._sessions() as session:
                if find_newest:
                    last = repo_runs.last_finished_run(session)
                    newest = last.id if last is not None else None
                value = self._compute(session, key)
        except Exception:  # the kept figures stay; the next view tries again
            log.exception("recomputing a dashboard report failed")
            return
        with self._lock:
            self._kept = Kept(value, newest, key=key)

    def wait(self) -> None:
        """Let a refresh in progress finish (tests, shutdown)."""
        refresh = self._refresh
        if refresh is not None:
            refresh.join()
