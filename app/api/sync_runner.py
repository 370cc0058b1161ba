"""Syncs started by the API and by the scheduler, in background threads of the API process.

`POST /sync/runs` must answer at once with the new run's id, or 409 when another sync holds the
lock, while the run itself takes minutes. So the run goes to a thread, and the request waits only
until the run has either taken the lock and recorded itself, or failed to take the lock.

`run_sync` has no "started" hook; the first thing it does after taking the lock is read its clock
for the run's `started_at`. The clock we pass marks that moment, and the run record is then found
by that exact `started_at` and trigger.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.errors import HandoffError, SyncLocked
from app.salesforce import connect
from app.settings import SalesforceSettings, Settings, SettingsError, load_salesforce_settings
from app.store.models import SyncRun
from app.sync.run import run_sync

log = logging.getLogger("handoff.sync")

# How long a request waits for the run to take the lock and record itself.
START_TIMEOUT_SECONDS = 30.0
_POLL_SECONDS = 0.02


class SyncNotStarted(HandoffError):
    """The run could not start (lock held, Salesforce not configured); the message says why."""


class _StartSignal:
    """The clock handed to `run_sync`: its first reading is the run's `started_at`."""

    def __init__(self) -> None:
        self.started_at: datetime | None = None
        self.event = threading.Event()
        self.error: BaseException | None = None

    def now(self) -> datetime:
        moment = datetime.now(UTC)
        if self.started_at is None:
            self.started_at = moment
            self.event.set()
        return moment

    def failed(self, error: BaseException) -> None:
        self.error = error
        self.event.set()


class SyncRunner:
    """Starts syncs in threads; one process-wide place, so shutdown can wait for them."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        sf_settings: SalesforceSettings | None = None,
    ) -> None:
        """`sf_settings` fixes the org (the demo's); None reads `SF_*` afresh for every run."""
        self.settings = settings
        self.sessions = sessions
        self.fixed_sf_settings = sf_settings
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def _sf_settings(self) -> SalesforceSettings:
        return self.fixed_sf_settings or load_salesforce_settings()

    def start(self, *, full: bool, dry_run: bool, trigger: str = "api") -> int:
        """Start a run in the background and return its id, or raise `SyncNotStarted`."""
        try:
            sf_settings = self._sf_settings()
        except SettingsError as error:
            raise SyncNotStarted(f"Salesforce is not configured: {error}") from None
        signal = _StartSignal()
        self._spawn(lambda: self._run(signal, sf_settings, full, dry_run, trigger))
        if not signal.event.wait(START_TIMEOUT_SECONDS):
            raise SyncNotStarted("the sync did not start in time; see the service log")
        if signal.error is not None:
            raise SyncNotStarted(str(signal.error))
        return self._run_id(signal, trigger)

    def scheduled_job(self) -> None:
        """The scheduler's job: one run in its thread (`app.scheduler` logs how it ended)."""
        sf_settings = self._sf_settings()
        run_sync(
            self.settings,
            self.sessions,
            lambda: connect(sf_settings, self.settings),
            trigger="schedule",
        )

    def wait(self) -> None:
        """Wait for the runs this process started (at shutdown)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join()

    def _spawn(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name="handoff-sync", daemon=False)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _run(
        self,
        signal: _StartSignal,
        sf_settings: SalesforceSettings,
        full: bool,
        dry_run: bool,
        trigger: str,
    ) -> None:
        try:
            run_sync(
                self.settings,
                self.sessions,
                lambda: connect(sf_settings, self.settings),
                full=full,
                dry_run=dry_run,
                trigger=trigger,
                now=signal.now,
            )
        except SyncLocked as locked:
            signal.failed(locked)
        except Exception as error:  # the run record already says what happened
            signal.failed(error)
            log.error("sync run (%s) ended with an error", trigger, exc_info=error)

    def _run_id(self, signal: _StartSignal, trigger: str) -> int:
        """The id of the run that started at `signal.started_at` (it commits at once)."""
        query = select(SyncRun.id).where(
            SyncRun.started_at == signal.started_at, SyncRun.trigger == trigger
        )
        for _ in range(int(START_TIMEOUT_SECONDS / _POLL_SECONDS)):
            with self.sessions() as session:
                run_id = session.scalar(query)
            if run_id is not None:
                return int(run_id)
            time.sleep(_POLL_SECONDS)
        raise SyncNotStarted("the sync started but its run record did not appear")
