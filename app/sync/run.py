"""One sync run, start to finish: lock, run record, identity, org facts, rules, pull, handoff.

The CLI, the scheduler and `POST /sync/runs` all call `run_sync`, so a run behaves the same
whoever starts it. Every way a run can end leaves a run record that says what happened in words a
person can act on: succeeded, partial (writes queued for retry), failed (why, and what to do), or
interrupted (Ctrl-C); the lock is released in every case.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.errors import HandoffError
from app.handoff import decide_and_write
from app.handoff.rules_file import load_rules
from app.settings import Settings
from app.store import repo_sync
from app.store.models import SyncRun
from app.sync.context import RunContext
from app.sync.lock import sync_lock
from app.sync.org import check_identity, read_org
from app.sync.pull import Progress
from app.sync.pull_all import pull_everything
from sf_client import RequestLimitExceeded, SalesforceClient, SalesforceError

log = logging.getLogger(__name__)

SalesforceFactory = Callable[[], AbstractContextManager[SalesforceClient]]

LIMIT_MESSAGE = (
    "the org's daily API request limit is used up (REQUEST_LIMIT_EXCEEDED). Salesforce counts "
    "requests over a rolling 24 hours, so the next sync can go on once usage falls, usually "
    "within a few hours; nothing was lost, the pull resumes where it stopped. To avoid this, "
    "raise HANDOFF_SYNC_INTERVAL or ask Salesforce for a larger allocation"
)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _Outcome:
    """How the run ended, for the run record."""

    def __init__(self, state: str, message: str | None = None, kind: str | None = None) -> None:
        self.state, self.message, self.kind = state, message, kind


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
) -> SyncRun:
    """Run one sync under the lock and return its finished run record.

    Raises `SyncLocked` when another sync holds the lock (nothing is recorded then), and lets
    KeyboardInterrupt through after marking the run `interrupted`.
    """
    bind = sessions.kw["bind"]
    assert isinstance(bind, Engine)
    with sync_lock(bind, lease_seconds=settings.lock_lease_seconds):
        started = now()
        effective_dry_run = dry_run or not settings.live
        with sessions() as session:
            repo_sync.close_abandoned_runs(session, now=started)
            run = repo_sync.start_run(
                session, started_at=started, trigger=trigger, full=full, dry_run=effective_dry_run
            )
            session.commit()
        ctx_holder: list[RunContext] = []
        try:
            outcome = _execute(
                settings, sessions, sf_factory, run, ctx_holder, now=now, progress=progress
            )
        except KeyboardInterrupt:
            _finish(sessions, run, ctx_holder, _Outcome("interrupted", "stopped by Ctrl-C"), now)
            raise
        except Exception as exc:
            message = f"internal error ({type(exc).__name__}); this is a bug in Handoff"
            _finish(sessions, run, ctx_holder, _Outcome("failed", message, "bug"), now)
            raise
        return _finish(sessions, run, ctx_holder, outcome, now)


def _execute(
    settings: Settings,
    sessions: sessionmaker[Session],
    sf_factory: SalesforceFactory,
    run: SyncRun,
    ctx_holder: list[RunContext],
    *,
    now: Callable[[], datetime],
    progress: Progress | None,
) -> _Outcome:
    try:
        ruleset = load_rules(settings.rules)
        with sessions() as session:
            record = session.get(SyncRun, run.id)
            assert record is not None
            record.rules_version = str(ruleset.version)
            record.rules_hash = ruleset.content_hash
            session.commit()
        with sf_factory() as sf:
            identity = sf.identity()
            check_identity(identity, settings.org_id)
            ctx = RunContext(
                settings=settings,
                sessions=sessions,
                sf=sf,
                ruleset=ruleset,
                identity=identity,
                run_id=run.id,
                dry_run=run.dry_run,
                full=run.full,
                now=now,
            )
            ctx_holder.append(ctx)
            with sessions() as session:
                org = read_org(session, sf, identity, now=run.started_at)
                session.commit()
            notes = pull_everything(ctx, org, run_start=run.started_at, progress=progress)
            decide_and_write(ctx)
    except RequestLimitExceeded:
        return _Outcome("failed", LIMIT_MESSAGE, "api_limit")
    except HandoffError as exc:
        return _Outcome("failed", str(exc), type(exc).__name__)
    except SalesforceError as exc:
        return _Outcome("failed", f"Salesforce: {exc}", type(exc).__name__)
    counts = ctx.counts
    if counts.queued_for_retry or counts.failed:
        note = (
            f"{counts.failed} writes failed; {counts.queued_for_retry} are queued and will "
            "be retried by the next sync"
        )
        return _Outcome("partial", "; ".join([note, *notes]))
    return _Outcome("succeeded", "; ".join(notes) or None)


def _finish(
    sessions: sessionmaker[Session],
    run: SyncRun,
    ctx_holder: list[RunContext],
    outcome: _Outcome,
    now: Callable[[], datetime],
) -> SyncRun:
    counts = {}
    if ctx_holder:
        ctx = ctx_holder[0]
        ctx.counts.api_calls = ctx.sf.usage.calls
        counts = ctx.counts.as_json()
    with sessions() as session:
        finished = repo_sync.finish_run(
            session,
            run.id,
            state=outcome.state,
            finished_at=now(),
            counts=counts,
            message=outcome.message,
            error_kind=outcome.kind,
        )
        session.commit()
    log.info("sync run %s %s: %s", run.id, outcome.state, outcome.message or "")
    return finished
