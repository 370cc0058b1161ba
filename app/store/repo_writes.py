"""Write attempts: each try to write a decision to the org, and what the org answered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from app.store.many import execute_many
from app.store.models import Write


def insert_writes(session: Session, attempts: list[dict[str, Any]]) -> None:
    """Keep attempts in one executemany: mapped `Write` objects, built and flushed one by one,
    cost a first run's write phase about a second per 5,000 writes."""
    if attempts:
        table: Table = Write.__table__  # type: ignore[assignment]
        execute_many(session, insert(table), attempts)


def landed_values(
    session: Session, run_id: int, *, per: int = 2000
) -> Iterator[dict[str, dict[str, Any]]]:
    """What this run's successful writes set, per lead (later writes over earlier ones), `per`
    leads at a time in Id order: one streamed query, so a run that wrote a hundred thousand
    leads never holds them all."""
    query = (
        select(Write.lead_id, Write.values)
        .where(Write.run_id == run_id, Write.success.is_(True))
        .order_by(Write.lead_id, Write.id)
        .execution_options(yield_per=per)
    )
    landed: dict[str, dict[str, Any]] = {}
    for lead_id, values in session.execute(query):
        if lead_id not in landed and len(landed) >= per:
            yield landed
            landed = {}
        landed.setdefault(lead_id, {}).update(values or {})
    if landed:
        yield landed
