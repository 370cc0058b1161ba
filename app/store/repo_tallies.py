"""Counts over the store's tables, for `/metrics`: runs, writes, refusals, breach steps, outbox.

Each function answers a plain mapping (every known key present, zero when absent), so the
metrics module only names and describes figures and never builds a query.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.store.models import BreachAction, Outbox, SyncRun, Write

WRITE_RESULTS = ("success", "failed_retryable", "failed")
OUTBOX_STATES = ("pending", "sent", "failed")


def _with_zeros(known: Iterable[str], found: Iterable[Any]) -> dict[str, int]:
    counts = dict.fromkeys(known, 0)
    counts.update((name, int(count)) for name, count in found)
    return counts


def runs_by_state(session: Session) -> dict[str, int]:
    found = session.execute(select(SyncRun.state, func.count()).group_by(SyncRun.state))
    return _with_zeros((), found)


def recent_durations(session: Session, *, runs: int = 1000) -> list[timedelta]:
    """How long each of the newest `runs` finished runs took."""
    finished = session.execute(
        select(SyncRun.started_at, SyncRun.finished_at)
        .where(SyncRun.finished_at.is_not(None))
        .order_by(SyncRun.id.desc())
        .limit(runs)
    )
    return [end - start for start, end in finished if end is not None]


def writes_by_result(session: Session) -> dict[str, int]:
    result = case(
        (Write.success.is_(True), "success"),
        (Write.retryable.is_(True), "failed_retryable"),
        else_="failed",
    ).label("result")
    found = session.execute(select(result, func.count()).group_by(result))
    return _with_zeros(WRITE_RESULTS, found)


def refusals_by_code(session: Session) -> dict[str, int]:
    """Writes the org refused with an error retrying cannot fix, by its error code."""
    found = session.execute(
        select(func.coalesce(Write.error_code, "UNKNOWN"), func.count())
        .where(Write.success.is_(False), Write.retryable.is_(False))
        .group_by(Write.error_code)
    )
    return _with_zeros((), found)


def live_breach_actions(session: Session) -> dict[tuple[str, str], int]:
    """Breach steps recorded by live runs, by (kind, state)."""
    found = session.execute(
        select(BreachAction.kind, BreachAction.state, func.count())
        .where(BreachAction.dry_run.is_(False))
        .group_by(BreachAction.kind, BreachAction.state)
    )
    return {(kind, state): int(count) for kind, state, count in found}


def outbox_by_state(session: Session) -> dict[str, int]:
    found = session.execute(select(Outbox.state, func.count()).group_by(Outbox.state))
    return _with_zeros(OUTBOX_STATES, found)


def outbox_attempts(session: Session) -> int:
    return int(session.scalar(select(func.sum(Outbox.attempts))) or 0)
