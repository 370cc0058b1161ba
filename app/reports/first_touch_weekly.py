"""Time to first touch week by week: is sales getting faster or slower at picking up MQLs?

Weeks start on Monday (UTC) and hold the MQLs whose MQL time falls in them, the current week
included. The percentiles are interpolated as PostgreSQL's `percentile_cont` does (`pick`, the
same definition as the handoff status), so a week's figures agree with `GET /handoff/status?since=`
over that week.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from app.reports import stats
from app.reports.models import FirstTouchByWeek, FirstTouchWeek
from app.reports.percentiles import grouped_percentiles
from app.store.models import Lead
from app.store.types import UtcDateTime

DEFAULT_WEEKS = 12
METHODS = {
    "week": "Monday 00:00 UTC to the next Monday, by MQL time; the current week is partial",
    "hours_to_first_touch": stats.PERCENTILE_METHOD + "; MQLs with a first touch",
}


def week_starts(as_of: datetime, weeks: int) -> list[datetime]:
    """The Monday midnights (UTC) of the last `weeks` weeks, oldest first, `as_of`'s last."""
    today = as_of.astimezone(UTC).date()
    monday = datetime.combine(today - timedelta(days=today.weekday()), time(), UTC)
    return [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def first_touch_by_week(
    session: Session, *, as_of: datetime, weeks: int = DEFAULT_WEEKS
) -> FirstTouchByWeek:
    """Per week: MQLs, those touched, and the median and 90th percentile hours to first touch."""
    starts = week_starts(as_of, weeks)
    # Range reads of ix_leads_mql_window (a few thousand MQLs a week even in a large org), each
    # row's week numbered in SQL (a CASE over bound week starts), grouped there.
    week_of = case(
        *[
            (Lead.mql_at >= literal(start, UtcDateTime()), index)
            for index, start in reversed(list(enumerate(starts)))
        ],
        else_=0,
    )
    window = [
        Lead.mql_at >= literal(starts[0], UtcDateTime()),
        Lead.mql_at <= literal(as_of, UtcDateTime()),
        Lead.is_deleted.is_(False),
    ]
    counts = {
        int(week): (int(mqls), int(touched))
        for week, mqls, touched in session.execute(
            select(week_of, func.count(), func.count(Lead.hours_to_first_touch))
            .where(*window)
            .group_by(week_of)
        )
    }
    # In the database on PostgreSQL (percentile_cont per week); one sorted read on SQLite.
    picked = grouped_percentiles(session, Lead.hours_to_first_touch, week_of, window, (0.5, 0.9))
    result = []
    for week, start in enumerate(starts):
        mqls, touched = counts.get(week, (0, 0))
        median, p90 = picked.by_group.get(week, [None, None])
        result.append(
            FirstTouchWeek(
                week_start=start.date(),
                mqls=mqls,
                touched=touched,
                median_hours_to_first_touch=median,
                p90_hours_to_first_touch=p90,
            )
        )
    return FirstTouchByWeek(as_of=as_of, weeks=result, methods=METHODS)
