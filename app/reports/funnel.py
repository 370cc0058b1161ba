"""The funnel: leads created in a period, by creation month, through MQL to won.

Stages nest, so each rate reads "of those at the stage before": MQL (the lead ever reached MQL),
accepted (a stay in MQL ended accepted or converted, or the lead converted), opportunity (the MQL
converted to an opportunity), won (that opportunity is won).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from app.reports import stats
from app.reports.models import Funnel, FunnelMonth
from app.store.models import Lead, MqlEpisode, Opportunity

_STAGES = ("leads", "mql", "accepted", "opportunity", "won")


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _month(month: str | None, counts: list[int]) -> FunnelMonth:
    leads, mql, accepted, opportunity, won = counts
    return FunnelMonth(
        month=month,
        leads=leads,
        mql=mql,
        accepted=accepted,
        opportunity=opportunity,
        won=won,
        lead_to_mql=stats.rate(mql, leads),
        mql_to_accepted=stats.rate(accepted, mql),
        accepted_to_opportunity=stats.rate(opportunity, accepted),
        opportunity_to_won=stats.rate(won, opportunity),
    )


def funnel(session: Session, *, start: date | None = None, end: date | None = None) -> Funnel:
    """Stage counts and rates for leads created between `start` and `end` inclusive."""
    accepted_episode = exists().where(
        MqlEpisode.lead_id == Lead.id, MqlEpisode.ended_kind.in_(("accepted", "converted"))
    )
    mql = Lead.ever_mql.is_(True)
    has_opportunity = and_(mql, Lead.converted_opportunity_id.is_not(None))
    query = (
        select(
            Lead.created_month,
            func.count(),
            _flag(mql),
            _flag(and_(mql, or_(Lead.is_converted.is_(True), accepted_episode))),
            _flag(has_opportunity),
            _flag(and_(has_opportunity, Opportunity.is_won.is_(True))),
        )
        .outerjoin(Opportunity, Opportunity.id == Lead.converted_opportunity_id)
        .where(Lead.is_deleted.is_(False))
        .group_by(Lead.created_month)
        .order_by(Lead.created_month)
    )
    if start is not None:
        query = query.where(Lead.created_date >= datetime.combine(start, time(), UTC))
    if end is not None:
        after_end = datetime.combine(end + timedelta(days=1), time(), UTC)
        query = query.where(Lead.created_date < after_end)
    months = []
    totals = [0] * len(_STAGES)
    for month, *counts in session.execute(query):
        numbers = [int(c or 0) for c in counts]
        months.append(_month(month, numbers))
        totals = [t + n for t, n in zip(totals, numbers, strict=True)]
    return Funnel(from_=start, to=end, months=months, total=_month(None, totals))
