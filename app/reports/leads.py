"""The open-MQL work list: most urgent first, in pages that stay stable while people read them.

The order is (urgency rank, MQL time, lead Id), all computed as of one `as_of`; the API keeps that
`as_of` in the cursor, so a lead cannot jump pages because the clock moved between requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, func, literal, select, tuple_
from sqlalchemy.orm import Session

from app.reports.models import OpenMql, SlaSettings
from app.reports.names import user_names
from app.reports.sla import open_mql, sla_state, urgency
from app.store.models import DecisionRecord, Lead
from app.store.repo_decisions import latest_score
from app.store.types import UtcDateTime

# Sorts MQLs with no known time (the last rank anyway) consistently in the keyset.
_NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)


_COLUMNS = (
    Lead.id,
    Lead.owner_id,
    Lead.mql_at,
    Lead.first_touch_at,
    Lead.hours_to_first_touch,
    Lead.sla_due_at,
    Lead.sla_target,
    Lead.sla_target_hours,
    latest_score(DecisionRecord.fit).label("fit"),
    latest_score(DecisionRecord.interest).label("interest"),
)


@dataclass(frozen=True)
class LeadKey:
    """Where a page ended: the sort key of its last lead."""

    rank: int
    mql_at: datetime
    lead_id: str


@dataclass(frozen=True)
class LeadPage:
    items: list[OpenMql]
    last: LeadKey | None


def _page_query(
    as_of: datetime,
    sla: SlaSettings,
    state: str | None,
    owner_id: str | None,
    after: LeadKey | None,
    limit: int,
) -> Select[*tuple[Any, ...]]:
    """The page's leads picked in `ix_leads_open_sla` alone (it holds every column the state,
    the order and the filters read), then only those rows read from the table: ranking ~30,000
    open MQLs from the table meant reading most of its pages at a million leads."""
    rank = urgency(as_of, sla).label("rank")
    state_of = sla_state(as_of, sla)
    clock = func.coalesce(Lead.mql_at, literal(_NO_TIME, UtcDateTime())).label("clock")
    keys = select(Lead.id.label("id"), rank, clock, state_of.label("sla")).where(open_mql())
    if state is not None:
        keys = keys.where(state_of == state)
    if owner_id is not None:
        keys = keys.where(Lead.owner_id == owner_id)
    if after is not None:
        marker = (after.rank, literal(after.mql_at, UtcDateTime()), after.lead_id)
        keys = keys.where(tuple_(urgency(as_of, sla), clock.element, Lead.id) > tuple_(*marker))
    page = keys.order_by(rank, clock, Lead.id).limit(limit).subquery("page")
    return (
        select(*_COLUMNS, page.c.rank, page.c.sla)
        .join(page, page.c.id == Lead.id)
        .order_by(page.c.rank, page.c.clock, page.c.id)
    )


def _item(row: Row[Any], names: dict[str, str | None]) -> OpenMql:
    return OpenMql(
        lead_id=row.id,
        owner_id=row.owner_id,
        owner_name=names.get(row.owner_id or ""),
        mql_at=row.mql_at,
        first_touch_at=row.first_touch_at,
        hours_to_first_touch=row.hours_to_first_touch,
        sla=row.sla,
        due_at=row.sla_due_at,
        target=row.sla_target,
        target_hours=row.sla_target_hours,
        fit=row.fit,
        interest=row.interest,
    )


def open_mqls(
    session: Session,
    *,
    as_of: datetime,
    sla: SlaSettings,
    state: str | None = None,
    owner_id: str | None = None,
    limit: int = 100,
    after: LeadKey | None = None,
) -> LeadPage:
    """One page of open MQLs after `after`; `last` is set when more may follow."""
    query = _page_query(as_of, sla, state, owner_id, after, limit + 1)
    rows = session.execute(query).all()
    page = rows[:limit]
    names = user_names(session, (row.owner_id for row in page))
    last = None
    if len(rows) > limit:
        tail = page[-1]
        last = LeadKey(int(tail.rank), tail.mql_at or _NO_TIME, tail.id)
    return LeadPage(items=[_item(row, names) for row in page], last=last)
