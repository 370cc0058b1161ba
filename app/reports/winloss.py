"""Win/loss of closed opportunities: all, excluding MQL-originated, MQL-originated only.

One aggregate query does the work: closed opportunities in the period grouped by the chosen key,
by MQL origin and by the kind of evidence, so a million opportunities come back as a few dozen
rows. Without a grouping, or by quarter or month, it sums `win_loss_rollup` (kept by triggers,
a few rows per day) instead of the opportunities; by lead source or owner it aggregates the
opportunities themselves. The segments, intervals and test are then arithmetic on those rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, case, func, literal, select
from sqlalchemy.orm import Session

from app.reports import stats
from app.reports.models import (
    Comparison,
    GroupBy,
    RateInterval,
    Segment,
    WinLoss,
    WinLossGroup,
)
from app.reports.names import user_names
from app.store.models import Opportunity, WinLossRollup

METHODS = {
    "win_rate": "won / closed, opportunities with CloseDate in the period (inclusive)",
    "interval": stats.WILSON_METHOD,
    "mql_vs_non_mql": stats.Z_TEST_METHOD,
    "mql_originated": "the source lead (Lead.ConvertedOpportunityId) reached MQL before converting",
}


@dataclass
class Tally:
    closed: int = 0
    won: int = 0
    won_amount: float = 0.0
    lost_amount: float = 0.0

    def add(self, other: Tally) -> None:
        self.closed += other.closed
        self.won += other.won
        self.won_amount += other.won_amount
        self.lost_amount += other.lost_amount

    def segment(self) -> Segment:
        interval = stats.wilson_interval(self.won, self.closed)
        return Segment(
            closed=self.closed,
            won=self.won,
            lost=self.closed - self.won,
            win_rate=stats.rate(self.won, self.closed),
            won_amount=round(self.won_amount, 2),
            lost_amount=round(self.lost_amount, 2),
            win_rate_95=RateInterval(low=interval.low, high=interval.high) if interval else None,
        )


@dataclass
class Split:
    """One group's tallies by origin: `mql` for MQL-originated, `other` for the rest."""

    mql: Tally
    other: Tally

    def total(self) -> Tally:
        total = Tally()
        total.add(self.mql)
        total.add(self.other)
        return total


def _rollup_rows(
    session: Session, start: date | None, end: date | None, group_by: GroupBy | None
) -> Sequence[Row[Any]]:
    """From the trigger-kept rollup: enough for no grouping, quarters and months."""
    columns: dict[str, Any] = {
        "quarter": WinLossRollup.close_quarter,
        "month": WinLossRollup.close_month,
    }
    key: Any = (columns[group_by] if group_by else literal(None)).label("key")
    won = WinLossRollup.is_won.is_(True)
    query = select(
        key,
        WinLossRollup.mql_originated,
        WinLossRollup.mql_evidence,
        func.sum(WinLossRollup.closed).label("closed"),
        func.sum(case((won, WinLossRollup.closed), else_=0)).label("won"),
        func.sum(case((won, WinLossRollup.amount), else_=0.0)).label("won_amount"),
        func.sum(case((won, 0.0), else_=WinLossRollup.amount)).label("lost_amount"),
    ).where(WinLossRollup.closed > 0)
    if start is not None:
        query = query.where(WinLossRollup.close_date >= start)
    if end is not None:
        query = query.where(WinLossRollup.close_date <= end)
    query = query.group_by(key, WinLossRollup.mql_originated, WinLossRollup.mql_evidence)
    return session.execute(query).all()


def _opportunity_rows(
    session: Session, start: date | None, end: date | None, group_by: GroupBy
) -> Sequence[Row[Any]]:
    """From the opportunities themselves: for keys the rollup does not hold (source, owner)."""
    column = Opportunity.lead_source if group_by == "lead_source" else Opportunity.owner_id
    key: Any = column.label("key")
    won = Opportunity.is_won.is_(True)
    amount = func.coalesce(Opportunity.amount, 0.0)
    query = select(
        key,
        Opportunity.mql_originated,
        Opportunity.mql_evidence,
        func.count().label("closed"),
        func.sum(case((won, 1), else_=0)).label("won"),
        func.sum(case((won, amount), else_=0.0)).label("won_amount"),
        func.sum(case((won, 0.0), else_=amount)).label("lost_amount"),
    ).where(
        Opportunity.is_closed.is_(True),
        Opportunity.is_deleted.is_(False),
        Opportunity.close_date.is_not(None),
    )
    if start is not None:
        query = query.where(Opportunity.close_date >= start)
    if end is not None:
        query = query.where(Opportunity.close_date <= end)
    query = query.group_by(key, Opportunity.mql_originated, Opportunity.mql_evidence)
    return session.execute(query).all()


def _closed_rows(
    session: Session, start: date | None, end: date | None, group_by: GroupBy | None
) -> Sequence[Row[Any]]:
    if group_by in ("lead_source", "owner"):
        return _opportunity_rows(session, start, end, group_by)
    return _rollup_rows(session, start, end, group_by)


def _splits(rows: Iterable[Row[Any]]) -> tuple[dict[Any, Split], dict[str, int]]:
    splits: dict[Any, Split] = defaultdict(lambda: Split(Tally(), Tally()))
    evidence: dict[str, int] = defaultdict(int)
    for row in rows:
        tally = Tally(int(row.closed), int(row.won or 0), row.won_amount or 0.0, row.lost_amount)
        split = splits[row.key]
        (split.mql if row.mql_originated else split.other).add(tally)
        if row.mql_originated:
            evidence[row.mql_evidence or "unknown"] += int(row.closed)
    return splits, dict(sorted(evidence.items()))


def _group(key: Any, split: Split, label: str | None) -> WinLossGroup:
    total = split.total().segment()
    other = split.other.segment()
    return WinLossGroup(
        key=None if key is None else str(key),
        label=label,
        all=total,
        excluding_mql=other,
        mql_only=split.mql.segment(),
        difference_pp=stats.percentage_points(total.win_rate, other.win_rate),
    )


def win_loss(
    session: Session,
    *,
    start: date | None = None,
    end: date | None = None,
    group_by: GroupBy | None = None,
) -> WinLoss:
    """The win/loss comparison for opportunities closing between `start` and `end` inclusive."""
    splits, evidence = _splits(_closed_rows(session, start, end, group_by))
    overall = Split(Tally(), Tally())
    for split in splits.values():
        overall.mql.add(split.mql)
        overall.other.add(split.other)
    base = _group(None, overall, None)
    mql, other = overall.mql, overall.other
    test = stats.two_proportion_z_test(mql.won, mql.closed, other.won, other.closed)
    groups = None
    if group_by is not None:
        names = user_names(session, splits) if group_by == "owner" else {}
        ordered = sorted(splits.items(), key=lambda item: (item[0] is None, str(item[0])))
        groups = [_group(key, split, names.get(key)) for key, split in ordered]
    return WinLoss(
        from_=start,
        to=end,
        all=base.all,
        excluding_mql=base.excluding_mql,
        mql_only=base.mql_only,
        difference_pp=base.difference_pp,
        mql_vs_non_mql_pp=Comparison(
            difference_pp=stats.percentage_points(base.mql_only.win_rate, other.segment().win_rate),
            z=test.z if test else None,
            p_value=test.p_value if test else None,
        ),
        mql_evidence=evidence,
        methods=METHODS,
        group_by=group_by,
        groups=groups,
    )
