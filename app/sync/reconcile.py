"""After a complete full read of an object: rows the org no longer has at all become purged.

getDeleted only reaches 15 days back, so a service stopped for longer can miss hard deletes;
`handoff sync --full` closes that gap. A stored row the full read did not return is gone, unless
it changed after the run began (the read stops at the run's start): the org is asked about those
few Ids before anything is marked.
"""

from __future__ import annotations

from app.store import repo_mirror
from app.store.models import Lead
from app.sync import fact_refresh
from app.sync.inputs import PullInputs
from app.sync.mql_facts import FactRules
from app.sync.objects import ObjectPull

EXISTS_SOQL = "SELECT Id FROM {sobject:literal} WHERE Id IN {ids}"


# Stored rows the full read did not return, asked about and marked per transaction.
RECONCILE_BATCH = 2000


def reconcile(ctx: PullInputs, spec: ObjectPull, rules: FactRules) -> int:
    """Mark as purged the stored rows of `spec` that the org no longer holds; return how many.

    The full read noted every Id it returned (`repo_mirror.note_seen`); the rows it did not
    return are read from the database a batch at a time, so memory stays flat at any size.
    """
    model = spec.purge_model
    if model is None:
        return 0
    purged, after = 0, None
    while True:
        with ctx.sessions() as session:
            unseen = repo_mirror.unseen_live_ids(
                session, model, spec.sobject, after=after, limit=RECONCILE_BATCH
            )
        if not unseen:
            break
        after = unseen[-1]
        records = ctx.sf.query_in(EXISTS_SOQL, unseen, include_deleted=True, sobject=spec.sobject)
        still_there = {record["Id"] for record in records}
        gone = [i for i in unseen if i not in still_there]
        if gone:
            with ctx.sessions() as session:
                purged += repo_mirror.mark_purged(session, model, gone)
                if model is Lead:
                    fact_refresh.refresh_leads(session, gone, rules, ctx.now())
                session.commit()
    with ctx.sessions() as session:
        repo_mirror.forget_seen(session, spec.sobject)
        session.commit()
    return purged
