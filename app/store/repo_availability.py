"""Out-of-office periods: Salesforce OutOfOffice records (kept current by the pull) and entries
made through `POST /availability`, both in `absences`, and the audit trail of the API's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.store.models import Absence, AuditEvent
from app.store.repo_mirror import _insert


def upsert_salesforce_absences(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """OutOfOffice records by their Salesforce Id, newer versions only."""
    if not rows:
        return
    table = Absence.__table__
    statement = _insert(session, table)  # type: ignore[arg-type]
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["sf_id"],
        set_={name: excluded[name] for name in rows[0] if name not in ("sf_id", "created_at")},
        where=excluded.system_modstamp >= table.c.system_modstamp,
    )
    session.execute(statement, list(rows))
    session.flush()


def current_absences(session: Session, now: datetime) -> list[Absence]:
    """Absences in force at `now` or later (enabled, not deleted), soonest first."""
    return list(
        session.scalars(
            select(Absence)
            .where(Absence.end_at > now, Absence.enabled.is_(True), Absence.is_deleted.is_(False))
            .order_by(Absence.start_at, Absence.id)
        )
    )


def list_absences(
    session: Session,
    *,
    user_id: str | None,
    at_or_after: datetime | None,
    limit: int,
    after_id: int = 0,
) -> list[Absence]:
    """Absences for the API, by id (a cursor), optionally one user's, optionally not ended."""
    query = select(Absence).where(Absence.is_deleted.is_(False), Absence.id > after_id)
    if user_id is not None:
        query = query.where(Absence.user_id == user_id)
    if at_or_after is not None:
        query = query.where(Absence.end_at > at_or_after)
    return list(session.scalars(query.order_by(Absence.id).limit(limit)))


def add_absence(session: Session, values: dict[str, Any]) -> Absence:
    absence = Absence(**values)
    session.add(absence)
    session.flush()
    return absence


def delete_absence(session: Session, absence_id: int) -> Absence | None:
    """Mark an API entry deleted; Salesforce's own records are changed in Salesforce."""
    absence = session.get(Absence, absence_id)
    if absence is None or absence.is_deleted:
        return None
    session.execute(update(Absence).where(Absence.id == absence_id).values(is_deleted=True))
    session.flush()
    return absence


def record_event(
    session: Session,
    *,
    at: datetime,
    actor: str | None,
    action: str,
    subject: str | None,
    detail: dict[str, Any] | None,
) -> None:
    """One line of the audit trail of what a person changed through the API."""
    session.add(AuditEvent(at=at, actor=actor, action=action, subject=subject, detail=detail))
    session.flush()


def events_for(session: Session, subject: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.subject == subject).order_by(AuditEvent.id)
        )
    )
