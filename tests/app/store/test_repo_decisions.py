"""Decisions with their heads, the write cap, and pruning past the audit window (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from app.store import repo_decisions
from app.store.models import Base, DecisionHead, SyncRun, Write
from app.store.models import DecisionRecord as Decision
from app.store.repo_decisions import DecisionRow
from app.store.states import WriteState

T0 = datetime(2026, 12, 1, tzinfo=UTC)
LEAD_A, LEAD_B = "00Q000000000001EAA", "00Q000000000002EAA"


def row(lead_id: str, when: datetime, **extra: Any) -> DecisionRow:
    values: dict[str, Any] = {
        "lead_id": lead_id, "decided_at": when, "rules_version": "1", "rules_hash": "h1",
        "input_fingerprint": "in-" + when.isoformat(), "result_fingerprint": "out",
        "dry_run": False, "write_state": WriteState.NONE, "run_id": None, "mql": False,
        "held": False, "missing_fields": None, "fit": 0, "interest": 0, "matched": None,
        "disqualified_by": None, "ineligible_reason": None, "route_index": None,
        "explanation": "", "planned": None, "read_status": None, "read_owner_id": None,
    }  # fmt: skip
    values.update(extra)
    values["write_state"] = WriteState(values["write_state"])
    return DecisionRow(**values)


def heads(session: Session) -> dict[tuple[str, bool], tuple[int, str, bool]]:
    return {
        (h.lead_id, h.dry_run): (h.decision_id, h.input_fingerprint, h.capped)
        for h in session.scalars(select(DecisionHead))
    }


def test_the_migrations_build_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_each_stored_decision_becomes_its_leads_head_for_its_mode(engine: Engine) -> None:
    with Session(engine) as session:
        repo_decisions.insert_decisions(session, [row(LEAD_A, T0), row(LEAD_B, T0)])
        repo_decisions.insert_decisions(
            session, [row(LEAD_A, T0 + timedelta(days=1)), row(LEAD_A, T0, dry_run=True)]
        )
        session.commit()
        ids = {
            (d.lead_id, d.dry_run, d.decided_at): d.id for d in session.scalars(select(Decision))
        }
        day1, day2 = "in-2026-12-01T00:00:00+00:00", "in-2026-12-02T00:00:00+00:00"
        assert heads(session) == {
            (LEAD_A, False): (ids[(LEAD_A, False, T0 + timedelta(days=1))], day2, False),
            (LEAD_B, False): (ids[(LEAD_B, False, T0)], day1, False),
            (LEAD_A, True): (ids[(LEAD_A, True, T0)], day1, False),
        }


def test_capping_a_run_marks_its_pending_decisions_and_their_heads(engine: Engine) -> None:
    with Session(engine) as session:
        run = SyncRun(started_at=T0, state="running", trigger="cli", counts={})
        session.add(run)
        session.flush()
        repo_decisions.insert_decisions(
            session,
            [row(LEAD_A, T0, run_id=run.id, write_state="pending"), row(LEAD_B, T0, run_id=run.id)],
        )
        assert repo_decisions.cap_run(session, run.id) == 1
        session.commit()
        states = {d.lead_id: d.write_state for d in session.scalars(select(Decision))}
        assert states == {LEAD_A: "capped", LEAD_B: "none"}
        assert {k[0]: v[2] for k, v in heads(session).items()} == {LEAD_A: True, LEAD_B: False}


def test_only_superseded_decisions_past_the_window_without_writes_are_pruned(
    engine: Engine,
) -> None:
    old, recent = T0 - timedelta(days=500), T0 - timedelta(days=10)
    with Session(engine) as session:
        repo_decisions.insert_decisions(
            session, [row(LEAD_A, old - timedelta(days=1 + i)) for i in range(3)]
        )
        repo_decisions.insert_decisions(session, [row(LEAD_A, old, write_state="retrying")])
        repo_decisions.insert_decisions(session, [row(LEAD_A, old, write_state="written")])
        written = session.scalars(select(Decision.id).order_by(Decision.id.desc())).first()
        session.execute(
            insert(Write),
            [{"decision_id": written, "lead_id": LEAD_A, "attempted_at": old, "values": {},
              "success": True}],
        )  # fmt: skip
        repo_decisions.insert_decisions(session, [row(LEAD_A, recent), row(LEAD_B, old)])
        session.commit()
        assert repo_decisions.decision_count(session) == 7

        cutoff = T0 - timedelta(days=400)
        assert repo_decisions.prune_superseded(session, cutoff, limit=2) == 2
        assert repo_decisions.prune_superseded(session, cutoff, limit=2) == 1
        assert repo_decisions.prune_superseded(session, cutoff, limit=2) == 0
        session.commit()
        kept = {(d.lead_id, d.write_state, d.decided_at) for d in session.scalars(select(Decision))}
        assert kept == {
            (LEAD_A, "retrying", old),  # still owes the org a write
            (LEAD_A, "written", old),  # a write is attached
            (LEAD_A, "none", recent),  # the head, and recent
            (LEAD_B, "none", old),  # old, but LEAD_B's head
        }
