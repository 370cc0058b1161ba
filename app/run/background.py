"""Syncs started by the API and by the scheduler, in background threads of the API process.

`POST /sync/runs` must answer at once with the new run's id, or 409 when another sync holds the
lock, while the run itself takes minutes. So the run goes to a thread, and the request waits only
until `run_sync` has taken the lock and recorded the run (its `on_start` hook), or failed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import HandoffError, SyncLocked
from app.run import run_sync
from app.salesforce import connect
from app.settings import Settings, SettingsError, load_salesforce_settings
from app.store.models import SyncRun
from sf_client import SalesforceClient

log = logging.getLogger("handoff.sync")

# How long a request waits for the run to take the lock and record itself.
START_TIMEOUT_SECONDS = 30.0

Connector = Callable[[], AbstractContextManager[SalesforceClient]]


class SyncNotStarted(HandoffError):
    """The run could not start (lock held, Salesforce not configured); the message says why."""


class _Started:
    """Where the run thread tells the request that it started (its id) or could not."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.run_id: int | None = None
        self.error: BaseException | None = None

    def started(self, record: SyncRun) -> None:
        self.run_id = record.id
        self.event.set()

    def failed(self, error: BaseException) -> None:
        self.error = error
        self.event.set()


class SyncRunner:
    """Starts syncs in threads; one process-wide place, so shutdown can wait for them."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        connector: Connector | None = None,
    ) -> None:
        """`connector` opens the org; by default `SF_*` is read afresh for every run."""
        self.settings = settings
        self.sessions = sessions
        self.connector = connector or self._connect_from_environment
        self._from_environment = connector is None
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        # Set at shutdown: running syncs stop at their next safe point, new ones do not start.
        self.stop = threading.Event()

    def _connect_from_environment(self) -> AbstractContextManager[SalesforceClient]:
        return connect(load_salesforce_settings(), self.settings, self.sessions)

    def start(self, *, full: bool, dry_run: bool, trigger: str = "api") -> int:
        """Start a run in the background and return its id, or raise `SyncNotStarted`."""
        if self.stop.is_set():
            raise SyncNotStarted("the service is shutting down")
        if self._from_environment:
            try:
                load_salesforce_settings()
            except SettingsError as error:
                raise SyncNotStarted(f"Salesforce is not configured: {error}") from None
        signal = _Started()
        self._spawn(lambda: self._run(signal, full=full, dry_run=dry_run, trigger=trigger))
        if not signal.event.wait(START_TIMEOUT_SECONDS):
            raise SyncNotStarted("the sync did not start in time; see the service log")
        if signal.run_id is not None:
            return signal.run_id
        if isinstance(signal.error, DBAPIError):
            raise signal.error  # the API answers 503 and logs what it is
        if isinstance(signal.error, HandoffError):
            raise SyncNotStarted(str(signal.error))
        raise SyncNotStarted("the sync could not start; see the service log")

    def scheduled_job(self) -> None:
        """The scheduler's job: one run in its thread (`app.scheduler` logs how it ended)."""
        if self.stop.is_set():
            return
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(threading.current_thread())
        run_sync(self.settings, self.sessions, self.connector, trigger="schedule", stop=self.stop)

    def shutdown(self, seconds: float) -> bool:
        """Ask running syncs to stop at their next safe point; wait up to `seconds` for them.

        True when all stopped in time. A run still going (a slow Salesforce call) is left to
        the process's exit: its committed pages stay, the next run closes its record and goes on
        from them, so the container's grace period is never outlived.
        """
        self.stop.set()
        deadline = time.monotonic() + seconds
        with self._lock:
            threads = [t for t in self._threads if t is not threading.current_thread()]
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        running = [t for t in threads if t.is_alive()]
        if running:
            log.warning(
                "%d sync run(s) still going after %s s; exiting anyway", len(running), seconds
            )
        return not running

    def _spawn(self, target: Callable[[], None]) -> None:
        # A daemon: a run that outlives `shutdown`'s wait must not hold the process open.
        thread = threading.Thread(target=target, name="handoff-sync", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _run(self, signal: _Started, *, full: bool, dry_run: bool, trigger: str) -> None:
        try:
            run_sync(
                self.settings,
                self.sessions,
                self.connector,
                full=full,
                dry_run=dry_run,
                trigger=trigger,
                on_start=signal.started,
                stop=self.stop,
            )
        except SyncLocked as locked:
            signal.failed(locked)
        except Exception as error:  # the run record, when there is one, says what happened
            if not signal.event.is_set():
                signal.failed(error)
            log.error("sync run (%s) ended with an error", trigger, exc_info=error)
