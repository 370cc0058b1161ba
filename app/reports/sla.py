"""The SLA state of an open MQL as one SQL expression, per the SPEC's Definitions.

First match wins: `stale` (no touch and no status change for `stale_days` since the later of the
MQL time and the last touch, which the sync keeps in `sla_clock_at`), `pending` (no first touch,
still inside its target), `met` (first touch inside the SLA), `breached` (late, or none and past
the SLA). MQLs with no known MQL time are `mql_at_unknown` and kept out of SLA figures.

The sync stores each MQL's due and stale times on the rules' clock (`sla_due_at`,
`sla_stale_at`: wall clock or working time of a calendar, with the lead's own target), so the
state is plain column-against-`as_of` comparisons on both SQLite and PostgreSQL, and the
business clock costs the reports nothing. A lead the sync has not yet given those times (a store
upgraded since its last run) falls back to the wall-clock cut-offs of the default target.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.types import Integer

from app.reports.models import SlaSettings, SlaState
from app.store.models import Lead
from app.store.types import UtcDateTime

UNKNOWN = SlaState.MQL_AT_UNKNOWN.value
# Most urgent first: late ones, then those about to be late, then the forgotten, then the fine.
URGENCY = tuple(state.value for state in SlaState)


def open_mql() -> ColumnElement[bool]:
    """Leads that are MQLs right now and still exist in the org."""
    # `= true`, not `IS true`: the form that lets both databases use the partial index on it.
    return and_(Lead.is_open_mql == true(), Lead.is_deleted.is_(False), Lead.purged.is_(False))


def _at(value: datetime) -> ColumnElement[Any]:
    return literal(value, UtcDateTime())


def _conditions(as_of: datetime, sla: SlaSettings) -> list[tuple[ColumnElement[bool], str]]:
    stale_cutoff = as_of - timedelta(days=sla.stale_days)
    due_cutoff = as_of - timedelta(hours=sla.first_touch_hours)
    clock = func.coalesce(Lead.sla_clock_at, Lead.mql_at)
    touched_in_time = func.coalesce(Lead.hours_to_first_touch, sla.first_touch_hours + 1)
    unset = Lead.sla_due_at.is_(None)
    stale = or_(Lead.sla_stale_at <= _at(as_of), and_(unset, clock <= _at(stale_cutoff)))
    inside = or_(Lead.sla_due_at > _at(as_of), and_(unset, Lead.mql_at > _at(due_cutoff)))
    met = or_(
        Lead.first_touch_at <= Lead.sla_due_at,
        and_(unset, touched_in_time <= sla.first_touch_hours),
    )
    return [
        (Lead.mql_at.is_(None), UNKNOWN),
        (stale, SlaState.STALE.value),
        (and_(Lead.first_touch_at.is_(None), inside), SlaState.PENDING.value),
        (and_(Lead.first_touch_at.is_not(None), met), SlaState.MET.value),
    ]


def sla_state(as_of: datetime, sla: SlaSettings) -> ColumnElement[str]:
    """The state name of each open MQL as of `as_of`."""
    return case(*_conditions(as_of, sla), else_=SlaState.BREACHED.value)


def urgency(as_of: datetime, sla: SlaSettings) -> ColumnElement[int]:
    """A sort rank for `sla_state` (0 is most urgent), from the same conditions."""
    ranked = [
        (cond, literal(URGENCY.index(name), Integer())) for cond, name in _conditions(as_of, sla)
    ]
    return case(*ranked, else_=literal(URGENCY.index(SlaState.BREACHED), Integer()))


def open_mqls_by_state(session: Session, as_of: datetime, sla: SlaSettings) -> dict[str, int]:
    """How many open MQLs are in each SLA state as of `as_of` (every state present)."""
    state = sla_state(as_of, sla).label("state")
    counts = dict.fromkeys(URGENCY, 0)
    for name, count in session.execute(
        select(state, func.count()).where(open_mql()).group_by(state)
    ):
        counts[name] = int(count)
    return counts
