"""The run record, the per-object watermarks and the org row: the pull's own bookkeeping.

Functions add and flush; the caller commits (a page's watermark commits with the page's rows).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.models import Org, SyncRun, Watermark, Write


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


def get_watermark(session: Session, sobject: str) -> Watermark | None:
    return session.get(Watermark, sobject)


def save_watermark(
    session: Session,
    sobject: str,
    *,
    now: datetime,
    stamp: datetime | None = None,
    last_id: str | None = None,
    fields_hash: str | None = None,
    deleted_check_at: datetime | None = None,
) -> Watermark:
    """Move an object's watermark; only the values given change."""
    mark = session.get(Watermark, sobject)
    if mark is None:
        mark = Watermark(sobject=sobject, updated_at=now)
        session.add(mark)
    if stamp is not None:
        mark.system_modstamp = stamp
        mark.last_id = last_id
    if fields_hash is not None:
        mark.fields_hash = fields_hash
    if deleted_check_at is not None:
        mark.last_deleted_check_at = deleted_check_at
    mark.updated_at = now
    session.flush()
    return mark


def get_org(session: Session) -> Org | None:
    return session.scalars(select(Org).limit(1)).first()


def save_org(session: Session, values: dict[str, Any]) -> Org:
    """The one org row, created or refreshed from what the org just told us."""
    org = session.get(Org, values["org_id"])
    if org is None:
        org = Org(**values)
        session.add(org)
    else:
        for key, value in values.items():
            setattr(org, key, value)
    session.flush()
    return org


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
