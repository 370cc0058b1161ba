"""Backtest jobs: created when a backtest is too large to answer in the request, finished by the
background thread, read when the client polls."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.store.models import BacktestJob


def create_job(
    session: Session,
    *,
    now: datetime,
    leads: int,
    rules_hash: str,
    start: date | None,
    end: date | None,
) -> BacktestJob:
    """A running job (add and flush; the caller commits)."""
    job = BacktestJob(
        id=uuid.uuid4().hex,
        state="running",
        created_at=now,
        leads=leads,
        rules_hash=rules_hash,
        period_from=start,
        period_to=end,
    )
    session.add(job)
    session.flush()
    return job


def finish_job(
    session: Session,
    job_id: str,
    *,
    now: datetime,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Store the result (or the error) and the end; the caller commits."""
    session.execute(
        update(BacktestJob)
        .where(BacktestJob.id == job_id)
        .values(
            state="failed" if error is not None else "succeeded",
            finished_at=now,
            result=result,
            error=error,
        )
    )


def get_job(session: Session, job_id: str) -> BacktestJob | None:
    return session.get(BacktestJob, job_id)


def latest_finished(session: Session) -> BacktestJob | None:
    """The newest backtest that succeeded, for the dashboard's rules page."""
    return session.scalars(
        select(BacktestJob)
        .where(BacktestJob.state == "succeeded")
        .order_by(BacktestJob.finished_at.desc())
        .limit(1)
    ).first()
