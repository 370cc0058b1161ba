"""One sync run, start to finish: lock, run record, identity, org facts, rules, pull, handoff.

The CLI, the scheduler and `POST /sync/runs` all call `run_sync`, so a run behaves the same
whoever starts it. Every way a run can end leaves a run record that says what happened in words a
person can act on: succeeded, partial (writes queued for retry), failed (why, and what to do), or
interrupted (Ctrl-C); the lock is released in every case.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.errors import HandoffError, SyncStopped, environment_problem
from app.handoff import HandoffInputs, HandoffStep
from app.handoff.breach_outbox import deliver_outbox, outbox_policy
from app.handoff.rules_file import load_rules
from app.run.audit_pruning import AuditPruner
from app.run.record import run_counts
from app.run_guard import RunGuard
from app.settings import Settings, SettingsError
from app.store import repo_runs
from app.store.models import SyncRun
from app.sync import PullInputs, PullStep
from app.sync.lock import sync_lock
from app.sync.org import check_identity, read_org
from app.sync.own_writes import fold_own_writes
from app.sync.pull import Progress
from rules import RuleSet
from sf_client import (
    ApiBudgetSpent,
    Identity,
    RequestLimitExceeded,
    SalesforceClient,
    SalesforceError,
)

log = logging.getLogger(__name__)

SalesforceFactory = Callable[[], AbstractContextManager[SalesforceClient]]

LIMIT_MESSAGE = (
    "the org's daily API request limit is used up (REQUEST_LIMIT_EXCEEDED). Salesforce counts "
    "requests over a rolling 24 hours, so the next sync can go on once usage falls, usually "
    "within a few hours; nothing was lost, the pull resumes where it stopped. To avoid this, "
    "raise HANDOFF_SYNC_INTERVAL or ask Salesforce for a larger allocation"
)


BUDGET_MESSAGE = (
    "stopped before Handoff's own API usage passed HANDOFF_API_BUDGET_PERCENT={percent:g}% of "
    "the org's daily allocation ({detail}). Nothing was lost: watermarks keep what was stored "
    "and unwritten decisions stay owed; the next sync goes on once usage over the rolling 24 "
    "hours falls. Raise HANDOFF_API_BUDGET_PERCENT or HANDOFF_SYNC_INTERVAL to change this"
)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Outcome:
    """How the run ended, for the run record."""

    state: str
    message: str | None = None
    kind: str | None = None


def run_sync(
    settings: Settings,
    sessions: sessionmaker[Session],
    sf_factory: SalesforceFactory,
    *,
    full: bool = False,
    dry_run: bool = False,
    trigger: str = "cli",
    now: Callable[[], datetime] = _utcnow,
    progress: Progress | None = None,
    on_start: Callable[[SyncRun], None] | None = None,
    stop: threading.Event | None = None,
) -> SyncRun:
    """Run one sync under the lock and return its finished run record.

    Raises `SyncLocked` when another sync holds the lock (nothing is recorded then), and lets
    KeyboardInterrupt through after marking the run `interrupted`. `on_start` is called with the
    new run record once the lock is held, so `POST /sync/runs` can answer 202 with its id while
    the run goes on in a thread. Setting `stop` (at SIGTERM) ends the run at its next safe
    point as `interrupted`.
    """
    if dry_run and settings.shadow:  # an explicit dry run records no shadow decisions
        settings = settings.model_copy(update={"write_mode": "dry-run"})
    bind = sessions.kw["bind"]
    assert isinstance(bind, Engine)
    with sync_lock(bind, lease_seconds=settings.lock_lease_seconds) as held:
        record = _open_record(sessions, now(), trigger, full, dry_run or not settings.live)
        if on_start is not None:
            on_start(record)
        run = _Run(settings, sessions, record, now, progress, held.lost, stop or threading.Event())
        try:
            outcome = run.execute(sf_factory)
        except KeyboardInterrupt:
            run.finish(_Outcome("interrupted", "stopped by Ctrl-C"))
            raise
        except Exception as exc:
            problem = environment_problem(exc)  # the database or the disk, not a bug
            message = problem or f"internal error ({type(exc).__name__}); a bug"
            run.finish(_Outcome("failed", message, "environment" if problem else "bug"))
            raise
        return run.finish(outcome)


def _armed_crash_point(trigger: str) -> str | None:
    """The test crash point for this run: armed only for `handoff sync` (see CRASH_POINTS)."""
    return os.environ.get("HANDOFF_CRASH_AT") if trigger == "cli" else None


def _open_record(
    sessions: sessionmaker[Session], started: datetime, trigger: str, full: bool, dry_run: bool
) -> SyncRun:
    """Close runs a dead process left open, then record this one as running."""
    with sessions() as session:
        repo_runs.close_abandoned_runs(session, now=started)
        record = repo_runs.start_run(
            session, started_at=started, trigger=trigger, full=full, dry_run=dry_run
        )
        session.commit()
    return record


class _Run:
    """One run's steps, after its record exists and while the lock is held."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        record: SyncRun,
        now: Callable[[], datetime],
        progress: Progress | None,
        lock_lost: threading.Event,
        stop: threading.Event,
    ) -> None:
        self.settings, self.sessions, self.record = settings, sessions, record
        self.now, self.progress = now, progress
        self.guard = RunGuard(lock_lost, _armed_crash_point(record.trigger), stop)
        self.sf: SalesforceClient | None = None
        self.pruner: AuditPruner | None = None
        self.pull: PullStep | None = None
        self.handoff: HandoffStep | None = None

    def execute(self, sf_factory: SalesforceFactory) -> _Outcome:
        """The steps, with every failure a person can act on turned into words."""
        try:
            notes = self._steps(sf_factory)
        except RequestLimitExceeded:
            return _Outcome("failed", LIMIT_MESSAGE, "api_limit")
        except ApiBudgetSpent as exc:
            percent = self.settings.api_budget_percent
            message = BUDGET_MESSAGE.format(percent=percent, detail=exc.message)
            return _Outcome("partial", message, "api_budget")
        except SyncStopped as stopped:
            return _Outcome("interrupted", str(stopped), "shutdown")
        except (HandoffError, SettingsError) as exc:
            return _Outcome("failed", str(exc), type(exc).__name__)
        except SalesforceError as exc:
            return _Outcome("failed", f"Salesforce: {exc}", type(exc).__name__)
        assert self.handoff is not None
        counts = self.handoff.report
        if counts.queued_for_retry or counts.failed:
            note = (
                f"{counts.failed} writes failed; {counts.queued_for_retry} are queued and will "
                "be retried by the next sync"
            )
            with self.sessions() as session:
                lost = repo_runs.permanent_failures(session, self.record.id)
            if lost:
                note += "; not retried (fix in Salesforce): " + ", ".join(lost)
            return _Outcome("partial", "; ".join([note, *notes]))
        return _Outcome("succeeded", "; ".join(notes) or None)

    def _steps(self, sf_factory: SalesforceFactory) -> list[str]:
        ruleset = load_rules(self.settings.rules)
        self._note_rules(ruleset)
        self.pruner = AuditPruner(
            self.sessions, now=self.record.started_at, audit_days=self.settings.audit_days
        ).start()
        with sf_factory() as sf:
            identity = sf.identity()
            check_identity(identity, self.settings.org_id)
            self.sf = sf
            started = self.record.started_at
            with self.sessions() as session:
                org = read_org(session, sf, identity, now=started)
                session.commit()
            self.pull = PullStep(self._pull_inputs(sf, ruleset), org, self.progress)
            pulled = self.pull.run(started)
            self.handoff = HandoffStep(self._handoff_inputs(sf, ruleset, identity))
            self.handoff.run()
            # Our writes reach the mirror and its facts now, so the reports are current.
            fold_own_writes(self.pull.inputs, org, self.record.id)
        # Breach notifications the handoff queued go out now, outside the lock's critical part.
        sent = deliver_outbox(self.sessions, self.now(), outbox_policy(self.settings))
        self.handoff.report.notifications = dict(sent)
        return pulled.notes

    def _pull_inputs(self, sf: SalesforceClient, ruleset: RuleSet) -> PullInputs:
        return PullInputs(
            sessions=self.sessions,
            sf=sf,
            ruleset=ruleset,
            now=self.now,
            full=self.record.full,
            lookback_seconds=self.settings.lookback_seconds,
            batch_size=self.settings.pull_batch_size,
            bulk_threshold=self.settings.bulk_threshold,
            guard=self.guard,
        )

    def _handoff_inputs(
        self, sf: SalesforceClient, ruleset: RuleSet, identity: Identity
    ) -> HandoffInputs:
        return HandoffInputs(
            sessions=self.sessions,
            sf=sf,
            ruleset=ruleset,
            rules_source=str(self.settings.rules),
            integration_user_id=identity.user_id,
            now=self.now,
            run_id=self.record.id,
            dry_run=self.record.dry_run,
            go_live_after=self.settings.go_live_after,
            max_writes_per_run=self.settings.max_writes_per_run,
            write_concurrency=self.settings.write_concurrency,
            guard=self.guard,
            shadow=self.settings.shadow,
            full=self.record.full,
        )

    def _note_rules(self, ruleset: RuleSet) -> None:
        with self.sessions() as session:
            record = session.get(SyncRun, self.record.id)
            assert record is not None
            record.rules_version = str(ruleset.version)
            record.rules_hash = ruleset.content_hash
            session.commit()

    def finish(self, outcome: _Outcome) -> SyncRun:
        """Close the run record with its outcome and figures."""
        counts: dict[str, Any] = {}
        pruned = self.pruner.stop() if self.pruner is not None else 0
        if self.sf is not None:
            pulled = self.pull.report if self.pull else None
            handed_off = self.handoff.report if self.handoff else None
            counts = run_counts(pulled, handed_off, self.sf.usage)
            counts["pruned_decisions"] = pruned
        with self.sessions() as session:
            finished = repo_runs.finish_run(
                session,
                self.record.id,
                state=outcome.state,
                finished_at=self.now(),
                counts=counts,
                message=outcome.message,
                error_kind=outcome.kind,
            )
            session.commit()
        log.info("sync run %s %s: %s", self.record.id, outcome.state, outcome.message or "")
        return finished
