"""Leads created in a period with how they turned out, streamed, and the tallies over them.

The backtest and the calibration decide every lead created in a period again, with rules that
never ran, so they cannot read stored decisions: they read each lead's fields. At a million
leads that is far more than memory should hold, so the rows come from one streaming query
(`stream_results`: a server-side cursor on PostgreSQL) `BATCH` at a time, and only counts are kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from app.reports import stats
from app.reports.models import RateInterval
from app.reports.outcome_models import Difference, OutcomeGroup, PeriodHistory
from app.store.models import Lead, Opportunity

BATCH = 5000


class LeadOutcome(NamedTuple):
    """One lead's fields as the rules read them, and what became of it (`outcome`: one of
    NOT_CONVERTED, OPEN, LOST, WON, an index into `Counts`)."""

    id: str
    fields: Mapping[str, Any]
    created: datetime
    outcome: int


NOT_CONVERTED, OPEN, LOST, WON = range(4)
# Leads by outcome, indexed by the constants above: counting is one list increment per lead,
# which is most of what a backtest does per lead besides scoring.
Counts = list[int]


def new_counts() -> Counts:
    return [0, 0, 0, 0]


def outcome_of(converted: bool, closed: bool, won: bool) -> int:
    if not converted:
        return NOT_CONVERTED
    if not closed:
        return OPEN
    return WON if won else LOST


@dataclass
class Tally:
    """Leads, those converted to an opportunity, and of those the closed and won ones."""

    leads: int = 0
    converted: int = 0
    closed: int = 0
    won: int = 0

    @classmethod
    def of(cls, counts: Counts) -> Tally:
        """The tally of leads counted by outcome."""
        closed = counts[LOST] + counts[WON]
        return cls(sum(counts), counts[OPEN] + closed, closed, counts[WON])

    def add(self, other: Tally) -> None:
        self.leads += other.leads
        self.converted += other.converted
        self.closed += other.closed
        self.won += other.won

    def minus(self, other: Tally) -> Tally:
        return Tally(
            self.leads - other.leads,
            self.converted - other.converted,
            self.closed - other.closed,
            self.won - other.won,
        )

    def group(self) -> OutcomeGroup:
        return OutcomeGroup(
            leads=self.leads,
            converted=self.converted,
            conversion_rate=stats.rate(self.converted, self.leads),
            conversion_rate_95=_interval(self.converted, self.leads),
            closed=self.closed,
            won=self.won,
            win_rate=stats.rate(self.won, self.closed),
            win_rate_95=_interval(self.won, self.closed),
        )


def _interval(successes: int, trials: int) -> RateInterval | None:
    found = stats.wilson_interval(successes, trials)
    return RateInterval(low=found.low, high=found.high) if found else None


def win_rate_difference(first: Tally, second: Tally) -> Difference:
    """`first`'s win rate against `second`'s: percentage points and the pooled z-test."""
    test = stats.two_proportion_z_test(first.won, first.closed, second.won, second.closed)
    return Difference(
        difference_pp=stats.percentage_points(
            stats.rate(first.won, first.closed), stats.rate(second.won, second.closed)
        ),
        z=test.z if test else None,
        p_value=test.p_value if test else None,
        significant=bool(test and test.favours_first()),
    )


def _period(start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Lead.is_deleted.is_(False), Lead.purged.is_(False)]
    if start is not None:
        where.append(Lead.created_date >= datetime.combine(start, time(), UTC))
    if end is not None:
        where.append(Lead.created_date < datetime.combine(end + timedelta(days=1), time(), UTC))
    return where


def lead_outcomes(session: Session, start: date | None, end: date | None) -> Iterator[LeadOutcome]:
    """Every stored lead created from `start` to `end` (inclusive), streamed."""
    query = (
        select(
            Lead.id,
            Lead.status,
            Lead.owner_id,
            Lead.fields,
            Lead.created_date,
            Lead.converted_opportunity_id,
            Opportunity.is_closed,
            Opportunity.is_won,
        )
        .outerjoin(
            Opportunity,
            and_(
                Opportunity.id == Lead.converted_opportunity_id,
                Opportunity.is_deleted.is_(False),
            ),
        )
        .where(*_period(start, end))
    )
    # Core rows through the session's connection: the ORM result layer would double the cost.
    # The options go on the statement: on the connection they would stay for later statements.
    streamed = query.execution_options(stream_results=True, yield_per=BATCH)
    rows = session.connection().execute(streamed)
    for lead_id, status, owner, fields, created, opportunity, closed, won in rows:
        if fields is None:
            fields = {}
        if fields.get("Id") != lead_id or fields.get("Status") != status:
            fields = {**fields, "Id": lead_id, "Status": status, "OwnerId": owner}
        if opportunity is None:
            outcome = NOT_CONVERTED
        else:
            outcome = (WON if won else LOST) if closed else OPEN
        yield LeadOutcome(lead_id, fields, created, outcome)


def count_leads(session: Session, start: date | None, end: date | None) -> int:
    """How many stored leads were created in the period (the work a backtest would do)."""
    found = session.scalar(select(func.count()).select_from(Lead).where(*_period(start, end)))
    return int(found or 0)


def history(session: Session) -> PeriodHistory:
    """How much lead history the store holds: the first and last creation days."""
    first, last, leads = session.execute(
        select(func.min(Lead.created_date), func.max(Lead.created_date), func.count()).where(
            *_period(None, None)
        )
    ).one()
    return PeriodHistory(
        leads=int(leads or 0),
        first_created=_day(first),
        last_created=_day(last),
    )


def _day(value: datetime | str | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands back aggregates of datetimes as text
        value = datetime.fromisoformat(value)
    return value.date()


def history_notes(found: PeriodHistory, start: date | None, end: date | None) -> list[str]:
    """What a reader must know about the period asked against the history stored."""
    if found.first_created is None or found.last_created is None:
        return ["the store holds no leads yet: run a sync first"]
    days = (found.last_created - found.first_created).days + 1
    held = (
        f"the store holds {found.leads} leads created from {found.first_created} to "
        f"{found.last_created} ({days} days of history)"
    )
    notes = []
    if start is not None and start < found.first_created:
        notes.append(f"the period starts before the stored history: {held}")
    if end is not None and end > found.last_created:
        notes.append(f"the period ends after the stored history: {held}")
    if (
        start is not None
        and end is not None
        and (end < found.first_created or start > found.last_created)
    ):
        notes.append(f"no stored lead was created in the period: {held}")
    return list(dict.fromkeys(notes))
