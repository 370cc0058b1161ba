"""Win/loss on both databases, including the worked example from the issue."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from app.reports.winloss import win_loss
from tests.app.api import builders as b
from tests.fakes.org import Records


def _closed(
    session: Session, org: Records, count: int, won: int, source: str | None, close: date
) -> None:
    for i in range(count):
        b.opportunity_records(session, org, won=i < won, source=source, close_date=close)


def worked_example(session: Session) -> None:
    """300 closed: 200 not MQL-originated with 26 won, 100 MQL-originated with 28 won (60
    converted from leads our write made MQL, 40 from leads a rep did, seen in LeadHistory)."""
    org = b.records()
    _closed(session, org, 200, 26, None, date(2026, 8, 15))
    _closed(session, org, 60, 18, "ours", date(2026, 8, 15))
    _closed(session, org, 40, 10, "history", date(2026, 9, 30))
    b.store(session, org)
    session.commit()


class TestWorkedExample:
    def test_rates_and_difference_match_the_issue(self, session: Session) -> None:
        worked_example(session)
        report = win_loss(session, start=date(2026, 7, 1), end=date(2026, 9, 30))
        assert (report.all.closed, report.all.won, report.all.win_rate) == (300, 54, 0.18)
        assert (report.excluding_mql.closed, report.excluding_mql.won) == (200, 26)
        assert report.excluding_mql.win_rate == pytest.approx(0.13)
        assert (report.mql_only.closed, report.mql_only.won) == (100, 28)
        assert report.mql_only.win_rate == pytest.approx(0.28)
        assert report.difference_pp == 5.0
        assert report.mql_vs_non_mql_pp.difference_pp == 15.0

    def test_z_test_and_wilson_interval_are_reported(self, session: Session) -> None:
        worked_example(session)
        report = win_loss(session)
        # pooled p = 54/300; z = (0.28 - 0.13) / sqrt(0.18 * 0.82 * (1/100 + 1/200))
        assert report.mql_vs_non_mql_pp.z == pytest.approx(3.1879, abs=1e-4)
        assert report.mql_vs_non_mql_pp.p_value == pytest.approx(0.001433, abs=1e-5)
        interval = report.all.win_rate_95
        assert interval is not None
        assert interval.low == pytest.approx(0.140658, abs=1e-5)
        assert interval.high == pytest.approx(0.227434, abs=1e-5)
        assert set(report.methods) >= {"interval", "mql_vs_non_mql"}

    def test_evidence_counts_say_how_mql_origin_was_known(self, session: Session) -> None:
        worked_example(session)
        assert win_loss(session).mql_evidence == {"history": 40, "ours": 60}

    def test_amounts_split_by_outcome(self, session: Session) -> None:
        worked_example(session)
        report = win_loss(session)
        assert report.all.won_amount == 54_000.0
        assert report.all.lost_amount == 246_000.0


class TestPeriodAndGroups:
    def test_period_bounds_are_inclusive(self, session: Session) -> None:
        b.opportunity(session, won=True, close_date=date(2026, 7, 1))
        b.opportunity(session, won=False, close_date=date(2026, 9, 30))
        b.opportunity(session, won=True, close_date=date(2026, 10, 1))
        b.opportunity(session, won=False, close_date=date(2026, 8, 1), closed=False)  # open
        session.commit()
        report = win_loss(session, start=date(2026, 7, 1), end=date(2026, 9, 30))
        assert (report.all.closed, report.all.won) == (2, 1)

    def test_nothing_closed_gives_null_rates(self, session: Session) -> None:
        report = win_loss(session, start=date(2020, 1, 1), end=date(2020, 3, 31))
        assert report.all.closed == 0
        assert report.all.win_rate is None
        assert report.all.win_rate_95 is None
        assert report.difference_pp is None
        assert report.mql_vs_non_mql_pp.p_value is None

    def test_deleted_opportunities_do_not_count(self, session: Session) -> None:
        b.opportunity(session, won=True, close_date=date(2026, 7, 1), IsDeleted=True)
        session.commit()
        assert win_loss(session).all.closed == 0

    def test_groups_by_quarter_hold_each_segment(self, session: Session) -> None:
        worked_example(session)
        report = win_loss(session, group_by="quarter")
        assert report.groups is not None
        (q3,) = report.groups
        assert q3.key == "2026-Q3"
        assert (q3.all.won, q3.mql_only.won, q3.excluding_mql.won) == (54, 28, 26)

    def test_groups_by_owner_carry_the_owners_name(self, session: Session) -> None:
        ada = b.user(session, "Ada Rep")
        b.opportunity(session, won=True, close_date=date(2026, 8, 1), OwnerId=ada.id)
        b.opportunity(session, won=False, close_date=date(2026, 8, 2), OwnerId=ada.id)
        b.opportunity(session, won=False, close_date=date(2026, 8, 2), OwnerId=None)
        session.commit()
        groups = win_loss(session, group_by="owner").groups
        assert groups is not None
        assert [(g.key, g.label, g.all.closed) for g in groups] == [
            (ada.id, "Ada Rep", 2),
            (None, None, 1),
        ]

    def test_groups_by_month_and_lead_source(self, session: Session) -> None:
        b.opportunity(session, won=True, close_date=date(2026, 7, 5), LeadSource="Webinar")
        b.opportunity(session, won=False, close_date=date(2026, 8, 5), LeadSource="Webinar")
        session.commit()
        months = win_loss(session, group_by="month").groups
        sources = win_loss(session, group_by="lead_source").groups
        assert months is not None
        assert sources is not None
        assert [g.key for g in months] == ["2026-07", "2026-08"]
        assert [(g.key, g.all.closed, g.all.win_rate) for g in sources] == [("Webinar", 2, 0.5)]
