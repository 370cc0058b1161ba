"""Writing the org's records into the mirror tables: set-based upserts, deletes, purges.

Every function adds and flushes inside the caller's transaction; the pull commits a page together
with its watermark. Upserts never move a row back to an older version (a row is replaced only by
one with the same or a later SystemModstamp), so a re-read caused by the lookback changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Table, case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.store.many import execute_many
from app.store.models import (
    Account,
    Activity,
    Base,
    Lead,
    LeadHistory,
    Opportunity,
    PullSeen,
    Queue,
    User,
)
from app.store.repo_changes import next_change_seq

# SQLite allows 32,766 bound values per statement; 15 columns x 500 rows stays well inside.
UPSERT_CHUNK = 500
# A stored lead's columns that a decision or the choice of open leads reads: a new version of
# the row moves its change counter only when one of these differs.
_LEAD_CONTENT = (
    "status",
    "owner_id",
    "fields",
    "ever_mql",
    "taken_out_of_mql_by_person",
    "is_deleted",
    "purged",
    "is_converted",
    "created_date",
)


def _insert(session: Session, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


def upsert(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    newer_only: bool = True,
    stamp_when: Sequence[str] = (),
) -> None:
    """Insert `rows`, or update the existing ones column by column.

    One statement, executed for many rows (compiled once, sent in batches by the driver),
    rather than a multi-row VALUES list that is compiled again for every page. With
    `stamp_when`, an existing row's `change_seq` takes the new value only when one of those
    columns differs: the lookback re-reads the same versions every run, and those must not make
    the next run decide them again.
    """
    if not rows:
        return
    table: Table = model.__table__  # type: ignore[assignment]
    keys = [c.name for c in table.primary_key.columns]
    statement = _insert(session, table)
    excluded = statement.excluded
    where = None
    if newer_only and "system_modstamp" in table.c:
        where = excluded.system_modstamp >= table.c.system_modstamp
    set_: dict[str, Any] = {name: excluded[name] for name in rows[0] if name not in keys}
    if stamp_when:
        differs = or_(*(table.c[n].is_distinct_from(excluded[n]) for n in stamp_when))
        set_["change_seq"] = case((differs, excluded.change_seq), else_=table.c.change_seq)
    statement = statement.on_conflict_do_update(index_elements=keys, set_=set_, where=where)
    for start in range(0, len(rows), UPSERT_CHUNK):
        execute_many(session, statement, rows[start : start + UPSERT_CHUNK])
    session.flush()


def upsert_leads(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Store lead `rows`, each stamped with the change counter (the dicts gain `change_seq`)."""
    if not rows:
        return
    seq = next_change_seq(session)
    for row in rows:
        row["change_seq"] = seq
    upsert(session, Lead, rows, stamp_when=_LEAD_CONTENT)


def upsert_opportunities(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    upsert(session, Opportunity, rows)


def upsert_lead_history(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    upsert(session, LeadHistory, rows, newer_only=False)


def upsert_activities(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Tasks and Events; an activity re-pointed from a lead to its contact keeps its lead.

    Salesforce moves a converted lead's activities to the new Contact (WhoId 003...). The touch
    still happened on the lead, so the stored `who_id` stays the lead's; activities that never
    were on a lead are not stored at all.
    """
    on_leads = [r for r in rows if _is_lead(r["who_id"])]
    elsewhere = [r for r in rows if not _is_lead(r["who_id"])]
    if on_leads:
        upsert(session, Activity, on_leads)
    for row in elsewhere:
        values = {k: v for k, v in row.items() if k not in ("id", "who_id")}
        session.execute(
            update(Activity)
            .where(Activity.id == row["id"], Activity.system_modstamp <= row["system_modstamp"])
            .values(**values)
        )
    session.flush()


def _is_lead(who_id: str | None) -> bool:
    return who_id is not None and who_id.startswith("00Q")


def mark_purged(
    session: Session, model: type[Lead | Opportunity | Activity | Account], ids: list[str]
) -> int:
    """Rows hard-deleted in the org (seen through getDeleted): kept, but marked gone."""
    changed = 0
    for start in range(0, len(ids), UPSERT_CHUNK):
        chunk = ids[start : start + UPSERT_CHUNK]
        values: dict[str, Any] = {"is_deleted": True}
        if model is Lead:
            values["purged"] = True
        statement = update(model).where(model.id.in_(chunk)).values(**values)
        result = cast(CursorResult[Any], session.execute(statement))
        changed += result.rowcount or 0
    session.flush()
    return changed


def forget_seen(session: Session, sobject: str) -> None:
    """Empty the Ids a full read of `sobject` noted (before it starts, and once reconciled)."""
    session.execute(delete(PullSeen).where(PullSeen.sobject == sobject))


def note_seen(session: Session, sobject: str, ids: Sequence[str]) -> None:
    """Note Ids a full read of `sobject` returned (a re-read after a lost cursor repeats some)."""
    if ids:
        statement = _insert(session, cast(Table, PullSeen.__table__)).on_conflict_do_nothing()
        session.execute(statement, [{"sobject": sobject, "id": i} for i in ids])


def unseen_live_ids(
    session: Session,
    model: type[Lead | Opportunity | Activity | Account],
    sobject: str,
    *,
    after: str | None,
    limit: int,
) -> list[str]:
    """Ids of the rows not known to be gone that the full read did not return, in Id order,
    `limit` after `after`: the database compares them, so no Id set is held in memory."""
    seen = select(PullSeen.id).where(PullSeen.sobject == sobject, PullSeen.id == model.id)
    query = select(model.id).where(~seen.exists()).order_by(model.id).limit(limit)
    if model is Lead:
        query = query.where(Lead.purged.is_(False))
    else:
        query = query.where(model.is_deleted.is_(False))
    if model is Activity:
        query = query.where(Activity.kind == sobject)
    if after is not None:
        query = query.where(model.id > after)
    return list(session.scalars(query))


def replace_users(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        upsert(session, User, rows, newer_only=False)


def replace_queues(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        upsert(session, Queue, rows, newer_only=False)


@dataclass(frozen=True)
class People:
    """The org's users (Id -> active) and queues (Id -> takes Leads), as the store mirrors them."""

    users: dict[str, bool]
    queues: dict[str, bool]


def people(session: Session) -> People:
    """The one read of users and queues, for the rules check and for owner assignment."""
    users = session.execute(select(User.id, User.is_active))
    queues = session.execute(select(Queue.id, Queue.takes_leads))
    return People(
        users={user_id: bool(active) for user_id, active in users},
        queues={queue_id: bool(takes) for queue_id, takes in queues},
    )


def apply_own_writes(
    session: Session, written: dict[str, dict[str, Any]], *, by_user_id: str
) -> None:
    """Show our landed writes on the mirrored leads, as the org now holds them (no commit).

    The record's SystemModstamp is left as it was, so the next pull still stores the org's own
    version of these leads over ours.
    """
    ids = list(written)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(
            select(Lead.id, Lead.status, Lead.owner_id, Lead.fields).where(Lead.id.in_(chunk))
        )
        updates = []
        seq = next_change_seq(session)
        for lead_id, status, owner_id, fields in rows:
            values = written[lead_id]
            updates.append(
                {
                    "id": lead_id,
                    "status": values.get("Status", status),
                    "owner_id": values.get("OwnerId", owner_id),
                    "fields": {**(fields or {}), **values},
                    "last_modified_by_id": by_user_id,
                    "change_seq": seq,
                }
            )
        if updates:
            session.execute(update(Lead), updates)
