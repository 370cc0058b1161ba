"""Pruning superseded decisions past HANDOFF_AUDIT_DAYS on a thread beside the run.

Every rules edit re-decides every eligible lead, so without pruning the decisions table grows by
the org's size per edit. The run starts a pruner that deletes what `repo_decisions.prunable`
allows, a batch of rows per transaction (short, so the pull's and handoff's own transactions
wait at most one small delete on SQLite), and stops at the end of the run, finished or not: what
it did not reach is pruned by the next run. A failure is logged, never fails the run.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from app.store import repo_decisions

log = logging.getLogger(__name__)


class AuditPruner:
    """One run's pruning thread: `start`, then `stop` returns how many decisions it deleted."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        now: datetime,
        audit_days: int,
        batch: int = repo_decisions.PRUNE_BATCH,
    ) -> None:
        self._sessions = sessions
        self._batch = batch
        self._cutoff = now - timedelta(days=audit_days)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._work, name="handoff-prune", daemon=True)
        self.pruned = 0

    def start(self) -> AuditPruner:
        self._thread.start()
        return self

    def stop(self) -> int:
        """Ask the thread to stop after its current batch, wait for it, return the count."""
        self._stopping.set()
        self._thread.join()
        return self.pruned

    def _work(self) -> None:
        try:
            while not self._stopping.is_set():
                with self._sessions() as session:
                    deleted = repo_decisions.prune_superseded(
                        session, self._cutoff, limit=self._batch
                    )
                    session.commit()
                self.pruned += deleted
                if deleted < self._batch:
                    return
        except Exception:  # the audit trail waits for the next run; the sync goes on
            log.warning("pruning old decisions stopped; the next run goes on", exc_info=True)
