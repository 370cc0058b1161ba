"""The decisions table after many rules edits, with and without pruning (HANDOFF_AUDIT_DAYS).

    python -m bench.audit.run [--leads 100000] [--edits 100] [--every-days 7] [--audit-days 400]

Each rules edit re-decides every lead, so it stores one decision per lead; between edits the
run's pruner deletes superseded decisions older than the audit window. The edits are spaced
`--every-days` apart (a weekly tuning habit by default), on a fresh SQLite store. It prints the
table's rows after the last edit against the rows without pruning (edits x leads).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.run.audit_pruning import AuditPruner
from app.store import repo_decisions
from app.store.db import make_engine, make_sessionmaker
from app.store.migrate import upgrade
from app.store.repo_decisions import DecisionRow
from app.store.states import WriteState

START = datetime(2025, 1, 6, tzinfo=UTC)
BATCH = 5000


def _row(lead: int, edit: int, when: datetime) -> DecisionRow:
    return DecisionRow(
        lead_id=f"00Q{lead:012d}AAA", run_id=None, decided_at=when, rules_version=str(edit),
        rules_hash=f"rules-{edit}", input_fingerprint=f"in-{lead}", result_fingerprint="out",
        dry_run=False, mql=False, held=False, missing_fields=None, fit=0, interest=0,
        matched=None, disqualified_by=None, ineligible_reason="status not eligible",
        route_index=None, explanation="not MQL", planned=None, write_state=WriteState.NONE,
        read_status="Open - Not Contacted", read_owner_id=None,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--every-days", type=float, default=7.0)
    parser.add_argument("--audit-days", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'handoff.db'}")
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        started, pruned = time.perf_counter(), 0
        for edit in range(args.edits):
            when = START + timedelta(days=edit * args.every_days)
            pruner = AuditPruner(sessions, now=when, audit_days=args.audit_days).start()
            for first in range(0, args.leads, BATCH):
                rows = [_row(n, edit, when) for n in range(first, min(first + BATCH, args.leads))]
                with sessions() as session:
                    repo_decisions.insert_decisions(session, rows)
                    session.commit()
            pruned += pruner.stop()
            if (edit + 1) % 10 == 0:
                print(f"  edit {edit + 1}: {time.perf_counter() - started:.0f} s", flush=True)
        # The last run's pruner finishing what it did not reach beside the edit.
        pruned += AuditPruner(sessions, now=when, audit_days=args.audit_days).start().stop()
        with sessions() as session:
            kept = repo_decisions.decision_count(session)
        engine.dispose()
    without = args.edits * args.leads
    print(
        f"audit: {args.edits} rules edits {args.every_days:g} days apart over {args.leads:,} "
        f"leads, HANDOFF_AUDIT_DAYS={args.audit_days}"
    )
    print(f"decisions kept={kept:,} pruned={pruned:,} without pruning={without:,} "
          f"ratio={kept / without:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
