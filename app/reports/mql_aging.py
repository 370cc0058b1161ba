"""How long the open MQLs have waited: counts by the age of their MQL time, as of one moment.

The buckets are fixed so the histogram reads the same every day: the first hours (inside most
SLAs), the first day, the first week, and the long tail that needs a person's attention. The
bucket of each MQL is one CASE over bound cut-offs computed here from `as_of`, so the count is a
single grouped read of the open-MQL partial index on both databases.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from app.reports.models import AgingBucket, MqlAging
from app.reports.sla import open_mql
from app.store.models import Lead
from app.store.types import UtcDateTime

# (label, lower bound in hours); each bucket ends where the next starts.
BUCKETS: tuple[tuple[str, float], ...] = (
    ("under 4 hours", 0),
    ("4-24 hours", 4),
    ("1-3 days", 24),
    ("3-7 days", 72),
    ("1-2 weeks", 168),
    ("2-4 weeks", 336),
    ("over 4 weeks", 672),
)
UNKNOWN_LABEL = "no known MQL time"


def mql_aging(session: Session, *, as_of: datetime) -> MqlAging:
    """Open MQLs by how long ago they became MQLs; those with no known time in a last bucket."""
    conditions = [
        (Lead.mql_at <= literal(as_of - timedelta(hours=lower), UtcDateTime()), index)
        for index, (_, lower) in reversed(list(enumerate(BUCKETS)))
    ]
    bucket = case((Lead.mql_at.is_(None), -1), *conditions, else_=0).label("bucket")
    rows = session.execute(select(bucket, func.count()).where(open_mql()).group_by(bucket))
    counts = {int(index): int(count) for index, count in rows}
    buckets = [
        AgingBucket(
            label=label,
            from_hours=lower,
            to_hours=BUCKETS[index + 1][1] if index + 1 < len(BUCKETS) else None,
            mql_open=counts.get(index, 0),
        )
        for index, (label, lower) in enumerate(BUCKETS)
    ]
    buckets.append(
        AgingBucket(label=UNKNOWN_LABEL, from_hours=None, to_hours=None, mql_open=counts.get(-1, 0))
    )
    return MqlAging(as_of=as_of, buckets=buckets)
