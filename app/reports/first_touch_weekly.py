"""Time to first touch week by week: is sales getting faster or slower at picking up MQLs?

Weeks start on Monday (UTC) and hold the MQLs whose MQL time falls in them, the current week
included. The week of each MQL is a CASE over bound week starts computed here, so both databases
group the same rows the same way, and the percentiles come from the same `grouped_percentiles`
as the handoff status, so the figures agree with `GET /handoff/status` for the same window.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select
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


def _week_of(starts: list[datetime]) -> ColumnElement[Any]:
    conditions = [
        (Lead.mql_at >= literal(start, UtcDateTime()), index)
        for index, start in reversed(list(enumerate(starts)))
    ]
    return case(*conditions, else_=-1)


def first_touch_by_week(
    session: Session, *, as_of: datetime, weeks: int = DEFAULT_WEEKS
) -> FirstTouchByWeek:
    """Per week: MQLs, those touched, and the median and 90th percentile hours to first touch."""
    starts = week_starts(as_of, weeks)
    # A subquery, so the week is a plain column: PostgreSQL cannot match a CASE with bound
    # parameters in the select list to the same CASE in a GROUP BY (or in grouping sets).
    mqls = (
        select(
            _week_of(starts).label("week"),
            Lead.hours_to_first_touch.label("hours"),
            Lead.first_touch_at.label("touched_at"),
        )
        .where(
            Lead.mql_at >= literal(starts[0], UtcDateTime()),
            Lead.mql_at <= literal(as_of, UtcDateTime()),
            Lead.is_deleted.is_(False),
        )
        .subquery()
    )
    counted = session.execute(
        select(mqls.c.week, func.count(), func.count(mqls.c.touched_at)).group_by(mqls.c.week)
    )
    counts = {int(index): (int(total), int(touched)) for index, total, touched in counted}
    percentiles = grouped_percentiles(session, mqls.c.hours, mqls.c.week, [], (0.5, 0.9)).by_group
    rows = []
    for index, start in enumerate(starts):
        total, touched = counts.get(index, (0, 0))
        median, p90 = percentiles.get(index, [None, None])
        rows.append(
            FirstTouchWeek(
                week_start=date.fromordinal(start.toordinal()),
                mqls=total,
                touched=touched,
                median_hours_to_first_touch=median,
                p90_hours_to_first_touch=p90,
            )
        )
    return FirstTouchByWeek(as_of=as_of, weeks=rows, methods=METHODS)
