"""Store rows for API and report tests, written straight through the models.

Each builder fills what the table requires and the fields a test cares about; Ids are made
unique per call so tests only name the ones they assert on.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.store.models import (
    DecisionRecord,
    Lead,
    MqlEpisode,
    Opportunity,
    Queue,
    SyncRun,
    User,
    Write,
)

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
_serial = itertools.count(1)


def sf_id(prefix: str) -> str:
    """An 18-character Id with `prefix` (the checksum is not a concern of these tables)."""
    return f"{prefix}{next(_serial):012d}AAA"


def user(session: Session, name: str, user_id: str | None = None, **extra: Any) -> User:
    row = User(id=user_id or sf_id("005"), name=name, is_active=True, fields={}, **extra)
    session.add(row)
    return row


def queue(session: Session, name: str) -> Queue:
    row = Queue(id=sf_id("00G"), name=name, takes_leads=True)
    session.add(row)
    return row


def lead(session: Session, **values: Any) -> Lead:
    created = values.pop("created_date", T0 - timedelta(days=40))
    defaults: dict[str, Any] = {
        "id": sf_id("00Q"),
        "status": "Open - Not Contacted",
        "created_date": created,
        "system_modstamp": created,
        "fields": {},
        "created_month": created.strftime("%Y-%m"),
    }
    row = Lead(**{**defaults, **values})
    session.add(row)
    return row


def open_mql(
    session: Session,
    *,
    mql_at: datetime | None,
    first_touch_at: datetime | None = None,
    last_touch_at: datetime | None = None,
    **values: Any,
) -> Lead:
    """An open MQL with its SLA facts as the sync keeps them."""
    hours = None
    if mql_at is not None and first_touch_at is not None:
        hours = (first_touch_at - mql_at).total_seconds() / 3600
    clock = max((t for t in (mql_at, last_touch_at or first_touch_at) if t), default=None)
    return lead(
        session,
        status="Marketing Qualified",
        ever_mql=True,
        is_open_mql=True,
        mql_at=mql_at,
        mql_evidence="ours",
        first_touch_at=first_touch_at,
        first_touch_kind="touch" if first_touch_at else None,
        hours_to_first_touch=hours,
        last_touch_at=last_touch_at or first_touch_at,
        sla_clock_at=clock,
        **values,
    )


def opportunity(
    session: Session,
    *,
    won: bool,
    close_date: date,
    mql: bool = False,
    evidence: str | None = None,
    amount: float | None = 1000.0,
    closed: bool = True,
    **values: Any,
) -> Opportunity:
    quarter = (close_date.month - 1) // 3 + 1
    row = Opportunity(
        id=values.pop("id", sf_id("006")),
        stage_name="Closed Won" if won else ("Closed Lost" if closed else "Prospecting"),
        is_closed=closed,
        is_won=won,
        close_date=close_date,
        amount=amount,
        created_date=T0 - timedelta(days=90),
        system_modstamp=T0 - timedelta(days=1),
        fields={},
        mql_originated=mql,
        mql_evidence=(evidence or "ours") if mql else None,
        close_month=close_date.strftime("%Y-%m"),
        close_quarter=f"{close_date.year}-Q{quarter}",
        **values,
    )
    session.add(row)
    return row


def episode(
    session: Session, lead_id: str, *, started_at: datetime, ended_at: datetime | None, kind: str
) -> MqlEpisode:
    row = MqlEpisode(
        lead_id=lead_id,
        started_at=started_at,
        evidence="ours",
        set_by_us=True,
        ended_at=ended_at,
        ended_kind=kind,
    )
    session.add(row)
    return row


def sync_run(session: Session, *, state: str = "succeeded", **values: Any) -> SyncRun:
    started = values.pop("started_at", T0 - timedelta(minutes=10))
    row = SyncRun(
        started_at=started,
        finished_at=values.pop("finished_at", started + timedelta(seconds=30)),
        state=state,
        trigger=values.pop("trigger", "schedule"),
        counts=values.pop("counts", {"pulled": {"Lead": 10}, "api_calls": 4}),
        **values,
    )
    session.add(row)
    session.flush()
    return row


def decision(session: Session, lead_id: str, **values: Any) -> DecisionRecord:
    defaults: dict[str, Any] = {
        "lead_id": lead_id,
        "decided_at": T0,
        "rules_version": "7",
        "rules_hash": "hash-7",
        "input_fingerprint": "in",
        "result_fingerprint": "out",
    }
    row = DecisionRecord(**{**defaults, **values})
    session.add(row)
    session.flush()
    return row


def write(session: Session, row: DecisionRecord, *, success: bool, **values: Any) -> Write:
    attempt = Write(
        decision_id=row.id,
        lead_id=row.lead_id,
        attempted_at=values.pop("attempted_at", T0 + timedelta(seconds=5)),
        values=values.pop("values", {"Status": "Marketing Qualified"}),
        success=success,
        **values,
    )
    session.add(attempt)
    session.flush()
    return attempt
