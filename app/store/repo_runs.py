"""Sync run records: opened when a run takes the lock, closed with its outcome and figures.

Functions add and flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, select
from sqlalchemy.orm import Session

from app.store.models import SyncRun, Write


def start_run(
    session: Session, *, started_at: datetime, trigger: str, full: bool, dry_run: bool
) -> SyncRun:
    run = SyncRun(
        started_at=started_at,
        state="running",
        trigger=trigger,
        full=full,
        dry_run=dry_run,
        counts={},
    )
    session.add(run)
    session.flush()
    return run


def close_abandoned_runs(session: Session, *, now: datetime) -> int:
    """Runs still marked running when the lock is free: their process died (crash, SIGKILL)."""
    abandoned = list(session.scalars(select(SyncRun).where(SyncRun.state == "running")))
    for run in abandoned:
        run.state = "failed"
        run.finished_at = now
        run.error_kind = "abandoned"
        run.message = (
            "the process running this sync stopped without finishing (crash, kill or power "
            "loss); the next sync went on from the last stored page"
        )
    session.flush()
    return len(abandoned)


def finish_run(
    session: Session,
    run_id: int,
    *,
    state: str,
    finished_at: datetime,
    counts: dict[str, Any],
    message: str | None = None,
    error_kind: str | None = None,
) -> SyncRun:
    run = session.get(SyncRun, run_id)
    assert run is not None, run_id
    run.state = state
    run.finished_at = finished_at
    run.counts = counts
    run.message = message
    run.error_kind = error_kind
    session.flush()
    return run


def permanent_failures(session: Session, run_id: int, *, limit: int = 5) -> list[str]:
    """`LEAD: CODE on FIELD (message)` for writes of this run that failed for a reason retrying
    cannot fix (a validation rule, a flow, a duplicate rule, a lock, a missing permission)."""
    rows = session.execute(
        select(Write.lead_id, Write.error_code, Write.fields, Write.message)
        .where(Write.run_id == run_id, Write.success.is_(False), Write.retryable.is_(False))
        .order_by(Write.id)
        .limit(limit + 1)
    ).all()
    named = [
        f"{lead_id}: {code or 'error'}"
        + (f" on {', '.join(fields)}" if fields else "")
        + (f" ({message})" if message else "")
        for lead_id, code, fields, message in rows[:limit]
    ]
    if len(rows) > limit:
        named.append("and more (see GET /audit or the writes of this run)")
    return named


def api_calls_since(session: Session, since: datetime) -> int:
    """REST calls the runs started since `since` made (for the API budget)."""
    counts = session.scalars(select(SyncRun.counts).where(SyncRun.started_at >= since))
    return sum(int((c or {}).get("api_calls") or 0) for c in counts)


def runs_page(session: Session, *, before: int | None, limit: int) -> list[SyncRun]:
    """Run records newest first, from run id `before` (exclusive) when given; at most `limit`."""
    query = select(SyncRun).order_by(SyncRun.id.desc()).limit(limit)
    if before is not None:
        query = query.where(SyncRun.id < before)
    return list(session.scalars(query))


def get_run(session: Session, run_id: int) -> SyncRun | None:
    return session.get(SyncRun, run_id)


def last_finished_run(session: Session) -> SyncRun | None:
    """The newest run that is no longer running."""
    query = select(SyncRun).where(SyncRun.state != "running").order_by(SyncRun.id.desc())
    return session.scalars(query.limit(1)).first()


_RUNS = cast(Table, SyncRun.__table__)
# On the table, not the mapped class: a Core statement skips the ORM's per-execution work, a
# third of a kept status answer's cost when it was read through the ORM.
_SYNC_MARK = select(_RUNS.c.id, _RUNS.c.finished_at).order_by(_RUNS.c.id.desc()).limit(1)


def mark_reader(engine: Engine) -> Engine:
    """The engine to read `sync_mark` through on every request: on PostgreSQL in autocommit,
    which spares the pool's ROLLBACK round trip when the connection goes back (about 200 us of
    a kept status answer's 300-500); on SQLite, where that costs more than it saves, as is."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def sync_mark(reader: Session | Connection) -> tuple[Any, ...]:
    """What changes whenever a sync starts or ends: the newest run's id and end time (one
    primary-key lookup; cached reports are stale once it changes)."""
    row = reader.execute(_SYNC_MARK).first()
    return (None, None) if row is None else (row[0], row[1])
