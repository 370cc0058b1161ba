"""Hard deletes: records purged from the org never come back through queryAll, so ask getDeleted.

At most once a day per object (a call per object per sync would spend the org's API allocation
for nothing); its window reaches 15 days back, so a service stopped for longer may have missed
some, which the run's message says, with the fix.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.store import repo_mirror, repo_sync
from app.store.models import Lead
from app.sync import fact_refresh
from app.sync.inputs import PullInputs
from app.sync.mql_facts import FactRules
from app.sync.objects import ObjectPull
from app.sync.report import PullReport

CHECK_EVERY = timedelta(days=1)
# getDeleted answers for the last 15 days at most; keep a margin for the clocks.
WINDOW = timedelta(days=15) - timedelta(minutes=10)
OVERLAP = timedelta(hours=1)


def check_deleted(
    ctx: PullInputs, spec: ObjectPull, rules: FactRules, report: PullReport, *, run_start: datetime
) -> None:
    """Mark what the org purged since the last check; count it and note a missed window."""
    if spec.purge_model is None:
        return
    with ctx.sessions() as session:
        mark = repo_sync.get_watermark(session, spec.sobject)
        last = mark.last_deleted_check_at if mark else None
        if last is None:
            # The first read just saw every live record; checking starts from here.
            repo_sync.save_watermark(
                session, spec.sobject, now=ctx.now(), deleted_check_at=run_start
            )
            session.commit()
            return
    if run_start - last < CHECK_EVERY:
        return
    start = max(last - OVERLAP, run_start - WINDOW)
    result = ctx.sf.get_deleted(spec.sobject, start, run_start)
    ids = [record_id for record_id, _when in result.deleted]
    with ctx.sessions() as session:
        purged = repo_mirror.mark_purged(session, spec.purge_model, ids)
        if spec.purge_model is Lead and ids:
            fact_refresh.refresh_leads(session, ids, rules, ctx.now())
        covered = result.latest_date_covered or run_start
        repo_sync.save_watermark(
            session, spec.sobject, now=ctx.now(), deleted_check_at=min(covered, run_start)
        )
        session.commit()
    report.count_deleted(spec.sobject, purged)
    available = result.earliest_date_available
    if last < run_start - WINDOW or (available is not None and available > last):
        report.notes.append(_missed_note(spec.sobject, start))


def _missed_note(sobject: str, start: datetime) -> str:
    return (
        f"{sobject}: records deleted for good before {start:%Y-%m-%d} could not be listed "
        "(Salesforce keeps deletions for 15 days); run `handoff sync --full` once to find them"
    )
