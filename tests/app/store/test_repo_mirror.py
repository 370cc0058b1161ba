"""Mirror upserts and purges on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.store import repo_mirror, repo_runs
from app.store.models import Activity, Lead, SyncRun
from app.sync.mirror import activity_row, lead_row

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def _lead(lead_id: str, at: datetime, **fields: object) -> dict[str, object]:
    record = {
        "attributes": {"type": "Lead", "url": f"/services/data/v66.0/sobjects/Lead/{lead_id}"},
        "Id": lead_id,
        "Status": "Open - Not Contacted",
        "OwnerId": "005000000000001AAA",
        "IsConverted": False,
        "ConvertedDate": None,
        "CreatedDate": "2026-09-01T00:00:00.000+0000",
        "SystemModstamp": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "IsDeleted": False,
    }
    return lead_row(record | fields)


class TestUpsert:
    def test_a_row_is_replaced_only_by_the_same_or_a_later_version(self, engine: Engine) -> None:
        lead_id = "00Q000000000001EAA"
        with Session(engine) as session:
            repo_mirror.upsert_leads(session, [_lead(lead_id, T0, Status="Nurturing")])
            repo_mirror.upsert_leads(session, [_lead(lead_id, T0 - timedelta(hours=1))])
            session.commit()
            row = session.get(Lead, lead_id)
            assert row is not None
            assert row.status == "Nurturing"  # the older version did not win
            repo_mirror.upsert_leads(session, [_lead(lead_id, T0, Status="Working - Contacted")])
            session.commit()
            session.expire_all()
            assert session.get(Lead, lead_id).status == "Working - Contacted"  # type: ignore[union-attr]

    def test_the_raw_record_is_kept_without_attributes(self, engine: Engine) -> None:
        lead_id = "00Q000000000002EAA"
        with Session(engine) as session:
            repo_mirror.upsert_leads(session, [_lead(lead_id, T0, Title="VP Sales")])
            session.commit()
            row = session.get(Lead, lead_id)
        assert row is not None
        assert row.fields["Title"] == "VP Sales"
        assert "attributes" not in row.fields
        assert row.created_date == datetime(2026, 9, 1, tzinfo=UTC)

    def test_an_activity_moved_to_the_converted_contact_stays_on_the_lead(
        self, engine: Engine
    ) -> None:
        record = {
            "Id": "00T000000000001EAA",
            "WhoId": "00Q000000000003EAA",
            "CreatedDate": "2026-10-01T10:00:00.000+0000",
            "SystemModstamp": "2026-10-01T10:00:00.000+0000",
            "IsClosed": True,
        }
        moved = record | {
            "WhoId": "003000000000001AAA",
            "SystemModstamp": "2026-10-02T10:00:00.000+0000",
        }
        elsewhere = record | {"Id": "00T000000000002EAA", "WhoId": "003000000000002AAA"}
        with Session(engine) as session:
            repo_mirror.upsert_activities(session, [activity_row("Task", record)])
            repo_mirror.upsert_activities(
                session, [activity_row("Task", moved), activity_row("Task", elsewhere)]
            )
            session.commit()
            rows = list(session.scalars(select(Activity)))
        assert [(r.id, r.who_id) for r in rows] == [("00T000000000001EAA", "00Q000000000003EAA")]
        assert rows[0].system_modstamp == datetime(2026, 10, 2, 10, tzinfo=UTC)


class TestPurge:
    def test_purged_leads_are_kept_and_marked(self, engine: Engine) -> None:
        lead_id = "00Q000000000004EAA"
        with Session(engine) as session:
            repo_mirror.upsert_leads(session, [_lead(lead_id, T0)])
            changed = repo_mirror.mark_purged(session, Lead, [lead_id, "00Q000000000005EAA"])
            session.commit()
            row = session.get(Lead, lead_id)
        assert changed == 1
        assert row is not None
        assert row.purged
        assert row.is_deleted


class TestRuns:
    def test_runs_left_running_by_a_dead_process_are_closed(self, engine: Engine) -> None:
        with Session(engine) as session:
            dead = repo_runs.start_run(
                session, started_at=T0, trigger="cli", full=False, dry_run=True
            )
            session.commit()
            assert repo_runs.close_abandoned_runs(session, now=T0 + timedelta(hours=1)) == 1
            session.commit()
            row = session.get(SyncRun, dead.id)
        assert row is not None
        assert row.state == "failed"
        assert row.error_kind == "abandoned"
