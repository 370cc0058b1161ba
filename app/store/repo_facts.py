"""Queries behind the denormalised MQL, SLA and opportunity facts: one query per batch of leads.

Each loader takes up to a page of lead Ids (2,000) and answers for all of them at once, grouped by
lead, so refreshing the facts of a page costs a handful of queries, never one per lead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.store.many import execute_many
from app.store.models import (
    Activity,
    Lead,
    LeadHistory,
    LeadHolder,
    MqlEpisode,
    Opportunity,
    Write,
)
from app.store.repo_changes import next_change_seq

BATCH = 2000


def batches(ids: Collection[str], size: int = BATCH) -> Iterator[list[str]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


# The denormalised lead columns the facts own (see `Lead`), read back to skip unchanged rows.
LEAD_FACT_COLUMNS = (
    "ever_mql",
    "is_open_mql",
    "mql_at",
    "mql_evidence",
    "taken_out_of_mql_by_person",
    "first_touch_at",
    "first_touch_kind",
    "hours_to_first_touch",
    "last_touch_at",
    "sla_clock_at",
    "sla_target",
    "sla_target_hours",
    "sla_due_at",
    "sla_stale_at",
    "created_month",
)
_LEAD_INPUT_COLUMNS = (
    "id",
    "status",
    "owner_id",
    "is_converted",
    "is_deleted",
    "purged",
    "system_modstamp",
    "last_modified_by_id",
    "created_date",
)


def lead_rows(session: Session, ids: list[str], *, with_fields: bool) -> list[Row[Any]]:
    """The columns the facts read and the facts as stored; the raw record only when needed."""
    names = _LEAD_INPUT_COLUMNS + LEAD_FACT_COLUMNS + (("fields",) if with_fields else ())
    table = Lead.__table__
    query = select(*(table.c[name] for name in names)).where(table.c.id.in_(ids))
    return list(session.execute(query))


def stored_newer(session: Session, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Ids among lead `rows` that the store holds in a newer version (a later SystemModstamp)."""
    stamps = {row["id"]: row["system_modstamp"] for row in rows}
    table = Lead.__table__
    query = select(table.c.id, table.c.system_modstamp).where(table.c.id.in_(list(stamps)))
    return {lead_id for lead_id, stamp in session.execute(query) if stamp > stamps[lead_id]}


def episodes_by_lead(session: Session, ids: list[str]) -> dict[str, list[MqlEpisode]]:
    found: dict[str, list[MqlEpisode]] = defaultdict(list)
    query = select(MqlEpisode).where(MqlEpisode.lead_id.in_(ids)).order_by(MqlEpisode.id)
    for episode in session.scalars(query):
        found[episode.lead_id].append(episode)
    return found


def status_history_by_lead(session: Session, ids: list[str]) -> dict[str, list[LeadHistory]]:
    found: dict[str, list[LeadHistory]] = defaultdict(list)
    query = (
        select(LeadHistory)
        .where(LeadHistory.lead_id.in_(ids), LeadHistory.field == "Status")
        .order_by(LeadHistory.created_date, LeadHistory.id)
    )
    for row in session.scalars(query):
        found[row.lead_id].append(row)
    return found


def has_status_history(session: Session) -> bool:
    query = select(LeadHistory.id).where(LeadHistory.field == "Status").limit(1)
    return session.scalar(query) is not None


def our_status_writes(session: Session, ids: list[str]) -> dict[str, list[tuple[datetime, Any]]]:
    """Our successful writes per lead, with the Status each one set (None when it set none)."""
    found: dict[str, list[tuple[datetime, Any]]] = defaultdict(list)
    query = (
        select(Write.lead_id, Write.attempted_at, Write.values)
        .where(Write.lead_id.in_(ids), Write.success.is_(True))
        .order_by(Write.attempted_at)
    )
    for lead_id, attempted_at, values in session.execute(query):
        found[lead_id].append((attempted_at, (values or {}).get("Status")))
    return found


def touch_times(
    session: Session, ids: list[str], not_touching: Collection[str]
) -> dict[str, list[datetime]]:
    """Creation times of completed Tasks and of Events on each lead, by people who count."""
    found: dict[str, list[datetime]] = defaultdict(list)
    query = select(Activity.who_id, Activity.created_date).where(
        Activity.who_id.in_(ids),
        Activity.is_deleted.is_(False),
        or_(Activity.kind == "Event", Activity.is_closed.is_(True)),
    )
    if not_touching:
        query = query.where(
            or_(Activity.created_by_id.is_(None), Activity.created_by_id.not_in(not_touching))
        )
    for who_id, created in session.execute(query.order_by(Activity.created_date)):
        if who_id is not None:
            found[who_id].append(created)
    return found


def record_holders(session: Session, owners: Collection[tuple[str, str]], now: datetime) -> None:
    """Remember each (lead, owner) pair not seen before: breach reassignments skip them.

    One insert that skips the pairs already kept (a first pull adds one for every lead)."""
    if not owners:
        return
    table = cast(Table, LeadHolder.__table__)
    dialect = session.get_bind().dialect.name
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    rows = [
        {"lead_id": lead_id, "owner_id": owner_id, "first_seen_at": now}
        for lead_id, owner_id in sorted(set(owners))
    ]
    execute_many(
        session, statement.on_conflict_do_nothing(index_elements=["lead_id", "owner_id"]), rows
    )


def insert_episodes(session: Session, rows: list[dict[str, Any]]) -> None:
    """New MQL episodes in one executemany (a first pull can open thousands)."""
    if rows:
        execute_many(session, insert(cast(Table, MqlEpisode.__table__)), rows)


def update_lead_facts(session: Session, rows: list[dict[str, Any]]) -> None:
    """Set the fact columns of many leads in one executemany; each dict holds `lead_id` too."""
    if not rows:
        return
    table = cast(Table, Lead.__table__)
    statement = (
        update(table)
        .where(table.c.id == bindparam("lead_id"))
        .values(
            {name: bindparam(name) for name in LEAD_FACT_COLUMNS}
            | {"change_seq": next_change_seq(session)}
        )
    )
    execute_many(session, statement, rows)


def update_opportunities(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(update(Opportunity), rows)
        session.flush()


def opportunities_by_id(session: Session, ids: list[str]) -> list[Opportunity]:
    return list(session.scalars(select(Opportunity).where(Opportunity.id.in_(ids))))


def source_leads(session: Session, opportunity_ids: list[str]) -> dict[str, Lead]:
    """The lead each opportunity was converted from (Opportunity has no LeadId)."""
    query = select(Lead).where(Lead.converted_opportunity_id.in_(opportunity_ids))
    return {
        lead.converted_opportunity_id: lead
        for lead in session.scalars(query)
        if lead.converted_opportunity_id
    }


def converted_opportunity_ids(session: Session, lead_ids: list[str]) -> list[str]:
    query = select(Lead.converted_opportunity_id).where(
        Lead.id.in_(lead_ids), Lead.converted_opportunity_id.is_not(None)
    )
    return [opp_id for opp_id in session.scalars(query) if opp_id]


def all_lead_ids_after(session: Session, after: str | None, limit: int) -> list[str]:
    """Lead Ids in key order, a page at a time (for refreshing every lead's facts)."""
    query = select(Lead.id).order_by(Lead.id).limit(limit)
    if after is not None:
        query = query.where(Lead.id > after)
    return list(session.scalars(query))
