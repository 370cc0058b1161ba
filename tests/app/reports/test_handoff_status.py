"""SLA states per the SPEC's Definitions, first-touch percentiles and acceptance, on both
databases."""

from __future__ import annotations

import statistics
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from app.reports.handoff import handoff_status
from app.reports.leads import open_mqls
from app.reports.models import SlaSettings
from tests.app.api import builders as b

SLA = SlaSettings(first_touch_hours=24, stale_days=14)
NOW = b.T0
H = timedelta(hours=1)
D = timedelta(days=1)


def _states(session: Session) -> dict[str, str]:
    page = open_mqls(session, as_of=NOW, sla=SLA, limit=1000)
    return {item.lead_id: item.sla for item in page.items}


class TestSlaStates:
    @pytest.mark.parametrize(
        ("mql_ago", "touch_after", "last_touch_ago", "expected"),
        [
            (2 * H, None, None, "pending"),
            (23 * H, None, None, "pending"),
            (25 * H, None, None, "breached"),
            (30 * H, 5 * H, None, "met"),
            (30 * H, 24 * H, None, "met"),
            (50 * H, 30 * H, None, "breached"),
            (20 * D, 2 * H, 15 * D, "stale"),
            (20 * D, 2 * H, 3 * D, "met"),
            (15 * D, None, None, "stale"),
            (13 * D, None, None, "breached"),
        ],
    )
    def test_first_match_wins(
        self,
        session: Session,
        mql_ago: timedelta,
        touch_after: timedelta | None,
        last_touch_ago: timedelta | None,
        expected: str,
    ) -> None:
        mql_at = NOW - mql_ago
        row = b.open_mql(
            session,
            mql_at=mql_at,
            first_touch_at=mql_at + touch_after if touch_after else None,
            last_touch_at=NOW - last_touch_ago if last_touch_ago else None,
        )
        session.commit()
        assert _states(session) == {row.id: expected}
        status = handoff_status(session, as_of=NOW, since=NOW - 30 * D, sla=SLA)
        assert getattr(status, expected) == 1
        assert status.mql_open == 1

    def test_unknown_mql_time_is_counted_apart(self, session: Session) -> None:
        b.mql_time_unknown(session)
        session.commit()
        status = handoff_status(session, as_of=NOW, since=NOW - 30 * D, sla=SLA)
        assert (status.mql_open, status.mql_at_unknown, status.breached) == (1, 1, 0)

    def test_only_open_existing_mqls_count(self, session: Session) -> None:
        b.open_mql(session, mql_at=NOW - 2 * H, IsDeleted=True)  # in the recycle bin
        purged = b.open_mql(session, mql_at=NOW - 2 * H)
        b.purge(session, [purged.id])  # deleted for good, seen through getDeleted
        b.left_mql(session, mql_at=NOW - 2 * H, left_at=NOW - H, to_status=b.ACCEPTED)
        session.commit()
        assert handoff_status(session, as_of=NOW, since=NOW - 30 * D, sla=SLA).mql_open == 0


class TestFiguresOverTheWindow:
    def test_percentiles_of_hours_to_first_touch(self, session: Session) -> None:
        hours = [1.0, 2.0, 3.5, 5.0, 8.0, 13.0, 21.0, 34.0]
        for h in hours:
            mql_at = NOW - 5 * D
            b.open_mql(session, mql_at=mql_at, first_touch_at=mql_at + timedelta(hours=h))
        b.open_mql(session, mql_at=NOW - 60 * D, first_touch_at=NOW - 60 * D + 500 * H)
        session.commit()
        status = handoff_status(session, as_of=NOW, since=NOW - 30 * D, sla=SLA)
        assert status.median_hours_to_first_touch == pytest.approx(statistics.median(hours))
        p90 = statistics.quantiles(hours, n=10, method="inclusive")[8]
        assert status.p90_hours_to_first_touch == pytest.approx(p90)

    def test_percentiles_per_owner_and_overall_come_from_the_same_rows(
        self, session: Session
    ) -> None:
        ada = b.user(session, "Ada Rep")
        hours = {ada.id: [1.0, 4.0, 9.0], None: [2.0, 30.0]}
        for owner, values in hours.items():
            for h in values:
                b.open_mql(session, mql_at=NOW - 5 * D, first_touch_at=NOW - 5 * D + h * H,
                           OwnerId=owner)  # fmt: skip
        session.commit()

        status = handoff_status(session, as_of=NOW, since=NOW - 30 * D, sla=SLA)

        rows = {row.owner_id: row for row in status.by_owner}
        assert rows[ada.id].median_hours_to_first_touch == 4.0
        assert rows[None].median_hours_to_first_touch == 16.0  # owner unknown is a group too
        assert rows[None].p90_hours_to_first_touch == pytest.approx(27.2)
        assert status.median_hours_to_first_touch == 4.0
        assert status.p90_hours_to_first_touch == pytest.approx(21.6)

    def test_acceptance_rate_over_exits_in_the_window(self, session: Session) -> None:
        # accepted, accepted, converted, rejected, other
        for to in (b.ACCEPTED, "Sales Qualified", b.CONVERTED, b.REJECTED, "Nurturing"):
            b.left_mql(session, mql_at=NOW - 9 * D, left_at=NOW - 2 * D, to_status=to)
        b.left_mql(session, mql_at=NOW - 90 * D, left_at=NOW - 80 * D, to_status=b.REJECTED)
        session.commit()
        status = handoff_status(session, as_of=NOW, since=NOW - 30 * D, sla=SLA)
        assert status.acceptance_rate == 0.75
        assert (status.acceptance.accepted, status.acceptance.rejected) == (2, 1)
        assert status.acceptance.other_exits == 1

    def test_by_owner_rows_carry_names_and_counts(self, session: Session) -> None:
        ada, bo = b.user(session, "Ada Rep"), b.user(session, "Bo Rep")
        b.open_mql(session, mql_at=NOW - 2 * H, OwnerId=ada.id)
        b.open_mql(session, mql_at=NOW - 30 * H, OwnerId=ada.id)
        b.open_mql(session, mql_at=NOW - 30 * H, first_touch_at=NOW - 28 * H, OwnerId=bo.id)
        session.commit()
        status = handoff_status(session, as_of=NOW, since=NOW - 30 * D, sla=SLA)
        rows = {row.owner_name: row for row in status.by_owner}
        assert (rows["Ada Rep"].pending, rows["Ada Rep"].breached, rows["Ada Rep"].mql_open) == (
            1,
            1,
            2,
        )
        assert (rows["Bo Rep"].met, rows["Bo Rep"].median_hours_to_first_touch) == (1, 2.0)
        assert status.sla == SLA
        assert status.sla_hours == SLA.first_touch_hours


class TestLeadsList:
    def test_most_urgent_first_and_pages_do_not_overlap(self, session: Session) -> None:
        met = b.open_mql(session, mql_at=NOW - 30 * H, first_touch_at=NOW - 29 * H)
        late = b.open_mql(session, mql_at=NOW - 40 * H)
        later = b.open_mql(session, mql_at=NOW - 50 * H)
        soon = b.open_mql(session, mql_at=NOW - 20 * H)
        fresh = b.open_mql(session, mql_at=NOW - 1 * H)
        stale = b.open_mql(session, mql_at=NOW - 20 * D)
        unknown = b.mql_time_unknown(session)
        session.commit()
        seen, after = [], None
        while True:
            page = open_mqls(session, as_of=NOW, sla=SLA, limit=2, after=after)
            seen += [item.lead_id for item in page.items]
            if page.last is None:
                break
            after = page.last
        expected = [later, late, soon, fresh, stale, met, unknown]
        assert seen == [lead.id for lead in expected]

    def test_filters_by_state_and_owner(self, session: Session) -> None:
        ada = b.user(session, "Ada Rep")
        mine = b.open_mql(session, mql_at=NOW - 40 * H, OwnerId=ada.id)
        b.open_mql(session, mql_at=NOW - 40 * H)
        b.open_mql(session, mql_at=NOW - 1 * H, OwnerId=ada.id)
        session.commit()
        page = open_mqls(session, as_of=NOW, sla=SLA, state="breached", owner_id=ada.id)
        assert [(i.lead_id, i.owner_name) for i in page.items] == [(mine.id, "Ada Rep")]
