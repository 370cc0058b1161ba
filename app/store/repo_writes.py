"""Write attempts: each try to write a decision to the org, and what the org answered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from app.store.models import Write


def insert_writes(session: Session, attempts: list[dict[str, Any]]) -> None:
    """Keep attempts in one executemany: mapped `Write` objects, built and flushed one by one,
    cost a first run's write phase about a second per 5,000 writes."""
    if attempts:
        table: Table = Write.__table__  # type: ignore[assignment]
        session.execute(insert(table), attempts)


def writes_of_decision(session: Session, decision_id: int) -> list[Write]:
    """The attempts to write one decision, oldest first."""
    query = select(Write).where(Write.decision_id == decision_id).order_by(Write.id)
    return list(session.scalars(query))
