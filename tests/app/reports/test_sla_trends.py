"""The aging of open MQLs and first-touch times by week, on both databases."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from app.reports.first_touch_weekly import first_touch_by_week, week_starts
from app.reports.mql_aging import BUCKETS, UNKNOWN_LABEL, mql_aging
from app.reports.percentiles import pick
from tests.app.api import builders as b

NOW = b.T0  # Monday 2026-11-23 12:00 UTC
H = timedelta(hours=1)
D = timedelta(days=1)


class TestAging:
    def test_each_open_mql_falls_in_the_bucket_of_its_age(self, session: Session) -> None:
        for age in (1 * H, 3.9 * H, 4 * H, 30 * H, 5 * D, 10 * D, 20 * D, 40 * D, 40 * D):
            b.open_mql(session, mql_at=NOW - age)
        b.mql_time_unknown(session)
        b.open_mql(session, mql_at=NOW - 2 * H, IsDeleted=True)  # gone from the org
        # no longer an open MQL
        b.left_mql(session, mql_at=NOW - 2 * H, left_at=NOW - H, to_status=b.ACCEPTED)
        session.commit()
        report = mql_aging(session, as_of=NOW)
        counts = {bucket.label: bucket.mql_open for bucket in report.buckets}
        assert counts == {
            "under 4 hours": 2,
            "4-24 hours": 1,
            "1-3 days": 1,
            "3-7 days": 1,
            "1-2 weeks": 1,
            "2-4 weeks": 1,
            "over 4 weeks": 2,
            UNKNOWN_LABEL: 1,
        }
        assert [bkt.from_hours for bkt in report.buckets[:-1]] == [lo for _, lo in BUCKETS]
        assert report.buckets[-2].to_hours is None

    def test_empty_store_gives_every_bucket_at_zero(self, session: Session) -> None:
        report = mql_aging(session, as_of=NOW)
        assert len(report.buckets) == len(BUCKETS) + 1
        assert all(bucket.mql_open == 0 for bucket in report.buckets)


class TestFirstTouchByWeek:
    def test_weeks_start_on_monday_and_end_with_the_current_one(self) -> None:
        starts = week_starts(datetime(2026, 11, 25, 9, tzinfo=UTC), 3)
        assert [s.date() for s in starts] == [
            date(2026, 11, 9),
            date(2026, 11, 16),
            date(2026, 11, 23),
        ]

    def test_counts_and_percentiles_per_week(self, session: Session) -> None:
        this_week = NOW - 2 * H  # Monday 10:00
        last_week = NOW - 3 * D  # Friday before
        hours_last_week = [2.0, 4.0, 10.0, 30.0]
        for hours in hours_last_week:
            b.open_mql(session, mql_at=last_week, first_touch_at=last_week + hours * H)
        b.open_mql(session, mql_at=last_week)  # not touched yet
        b.open_mql(session, mql_at=this_week, first_touch_at=this_week + 1 * H)
        b.open_mql(session, mql_at=NOW - 200 * D, first_touch_at=NOW - 199 * D)  # out of range
        session.commit()
        report = first_touch_by_week(session, as_of=NOW, weeks=4)
        assert [w.week_start for w in report.weeks] == [
            date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)
        ]  # fmt: skip
        previous, current = report.weeks[2], report.weeks[3]
        assert (previous.mqls, previous.touched) == (5, 4)
        assert previous.median_hours_to_first_touch == statistics.median(hours_last_week)
        assert previous.p90_hours_to_first_touch == pick(hours_last_week, [0.9])[0]
        assert (current.mqls, current.touched, current.median_hours_to_first_touch) == (1, 1, 1.0)
        assert report.weeks[0].mqls == 0
        assert report.weeks[0].median_hours_to_first_touch is None
