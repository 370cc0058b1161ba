"""The mirrored leads a decision can still change, read in the columns a decision reads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.store.models import Lead
from app.store.repo_decisions import heads_to_decide_again, with_heads

# Columns of `leads` that a decision reads; `fields` (the raw record) is by far the largest.
LEAD_COLUMNS = (
    Lead.id,
    Lead.status,
    Lead.owner_id,
    Lead.created_date,
    Lead.ever_mql,
    Lead.taken_out_of_mql_by_person,
    Lead.fields,
)
_IN_BATCH = 500


def _open_leads() -> Select[Any]:
    """Leads a decision can still change: in the org, not converted; in Id order."""
    return (
        select(*LEAD_COLUMNS)
        .where(
            Lead.is_deleted.is_(False),
            Lead.purged.is_(False),
            Lead.is_converted.is_(False),
        )
        .order_by(Lead.id)
    )


def open_lead_rows(
    session: Session,
    *,
    yield_per: int | None = None,
    heads_of: bool | None = None,
    changed_after: int | None = None,
) -> Iterator[Any]:
    """Every open lead (rows of `LEAD_COLUMNS`), streamed `yield_per` at a time when given;
    with `heads_of` (a mode: dry run or not), each with its latest decision's head beside it
    (`repo_decisions.with_heads`); with `changed_after` too, only the leads whose change counter
    passed it and those whose head of the mode is to be decided again."""
    query = _open_leads()
    if heads_of is not None:
        query = with_heads(query, Lead.id, dry_run=heads_of)
        if changed_after is not None:
            changed = select(Lead.id).where(Lead.change_seq > changed_after)
            query = query.where(Lead.id.in_(changed.union(heads_to_decide_again(heads_of))))
    if yield_per is not None:
        query = query.execution_options(yield_per=yield_per)
    yield from session.execute(query)


def open_lead_rows_of(session: Session, ids: Iterable[str]) -> list[Any]:
    """The open leads among `ids` (rows of `LEAD_COLUMNS`)."""
    wanted = list(ids)
    found: list[Any] = []
    for start in range(0, len(wanted), _IN_BATCH):
        chunk = wanted[start : start + _IN_BATCH]
        found += session.execute(_open_leads().where(Lead.id.in_(chunk)))
    return found


def modstamps(session: Session, lead_ids: Iterable[str]) -> dict[str, Any]:
    """Each lead's stored SystemModstamp (to tell later whether it changed in the org)."""
    wanted = list(lead_ids)
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), _IN_BATCH):
        query = select(Lead.id, Lead.system_modstamp).where(
            Lead.id.in_(wanted[start : start + _IN_BATCH])
        )
        found |= {row.id: row.system_modstamp for row in session.execute(query)}
    return found
