"""The handoff step of a sync run: check the rules, decide, store, then write in live mode.

Order matters for safety. The rules are checked against the org before any decision; decisions
(owners included) are committed before any write, together with the round-robin positions they
used; the write cap is checked before the first write; and leads a person changed between our
read and our write are decided again, with the values the org showed, in the same run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from app.errors import HandoffError
from app.handoff.assign_state import load_positions, open_mql_counts, save_positions
from app.handoff.decide import count_decision, decide_batch, decision_row
from app.handoff.facts import RunFacts, run_facts
from app.handoff.mapping import LeadInput, load_leads
from app.handoff.org_check import check_rules_against_org
from app.handoff.select import leads_to_decide
from app.handoff.write import OWED, OrgState, write_groups
from app.store import repo_decisions
from app.store.models import Decision, Lead
from app.sync.context import RunContext
from rules import AssignmentState

T = TypeVar("T")
# Leads decided and stored per transaction: memory is bounded by this, not by the org's size.
DECIDE_BATCH = 5000
# Write groups loaded from the store at once while writing.
WRITE_SLICE_GROUPS = 10
# Leads a person changed mid-run are decided and written again at most this many times.
_REDECIDE_ROUNDS = 3
# Collection chunks of 200 written after one pre-write re-read: 600 Ids are about as many as one
# query URL holds (16,384 bytes), so each group costs a single re-read query.
CHUNKS_PER_CHECK = 3


class WriteCapExceeded(HandoffError):
    """A live run would write more leads than HANDOFF_MAX_WRITES_PER_RUN allows."""


def decide_and_write(ctx: RunContext) -> None:
    """Decide every lead that needs it, store the decisions, and write them in live mode.

    Leads stream from the store and are decided and stored `DECIDE_BATCH` at a time, each batch
    committed with the round-robin positions it used, so memory stays flat at any org size. The
    write cap is checked once all are stored and before the first write; a run over it marks its
    decisions capped and puts the positions back, as if it had not drawn.
    """
    describe = ctx.sf.describe("Lead")
    with ctx.sessions() as session:
        check_rules_against_org(session, ctx.ruleset, describe, str(ctx.settings.rules))
        facts = run_facts(
            session,
            ctx.ruleset,
            describe,
            integration_user_id=ctx.identity.user_id,
            go_live_after=ctx.settings.go_live_after,
        )
    with ctx.sessions() as reader, ctx.sessions() as session:
        start = AssignmentState(
            positions=load_positions(session), open_mqls=open_mql_counts(session)
        )
        state = start
        selected = leads_to_decide(
            reader,
            dry_run=ctx.dry_run,
            rules_hash=ctx.ruleset.content_hash,
            fingerprint=facts.fingerprint,
        )
        for batch in _batches(selected, DECIDE_BATCH):
            state = store_decisions(ctx, session, facts, batch, state)
        if not ctx.dry_run:
            _check_cap(ctx, session, start)
    ctx.crash_point("after_decisions")
    if not ctx.dry_run:
        write_owed(ctx, facts)


def _batches(items: Iterator[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def store_decisions(
    ctx: RunContext,
    session: Session,
    facts: RunFacts,
    leads: Sequence[tuple[LeadInput, str]],
    state: AssignmentState,
) -> AssignmentState:
    """Decide `leads`, store the decisions and (live) the positions they used; commit.

    Returns the assignment state after them, for the next batch.
    """
    now = ctx.now()
    outcomes, after = decide_batch(ctx.ruleset, leads, facts, state)
    rows = [
        decision_row(
            ctx.ruleset, lead, fp, outcome, assignment, facts,
            run_id=ctx.run_id, dry_run=ctx.dry_run, now=now,
        )
        for lead, fp, outcome, assignment in outcomes
    ]  # fmt: skip
    for row in rows:
        count_decision(ctx.counts, row, dry_run=ctx.dry_run)
    if ctx.dry_run:
        repo_decisions.insert_decisions(session, rows)
        session.commit()
        return state  # dry runs use up no round-robin turns
    _supersede(session, [row["lead_id"] for row in rows])
    repo_decisions.insert_decisions(session, rows)
    save_positions(session, after.positions, now)
    session.commit()
    return after


def _check_cap(ctx: RunContext, session: Session, start: AssignmentState) -> None:
    """Stop before the first write when more leads owe a write than the cap allows."""
    owed = _owed_count(session)
    cap = ctx.settings.max_writes_per_run
    if owed <= cap:
        return
    repo_decisions.cap_run(session, ctx.run_id)
    save_positions(session, start.positions, ctx.now())
    session.commit()
    raise WriteCapExceeded(
        f"this run would write {owed} leads, more than HANDOFF_MAX_WRITES_PER_RUN={cap}; "
        "nothing was written. Check the rules (`handoff sync --dry-run` shows the plan), "
        f"then set HANDOFF_MAX_WRITES_PER_RUN={owed} or more for one run to let it through"
    )


def write_owed(ctx: RunContext, facts: RunFacts) -> None:
    """Write every decision that owes the org a write, this run's and earlier runs' retries."""
    group_size = min(ctx.settings.write_concurrency, CHUNKS_PER_CHECK) * 200
    with ctx.sessions() as session:
        changed = _write_owed_until(ctx, session, _owed_max_id(session), group_size)
        for _round in range(_REDECIDE_ROUNDS):
            if not changed:
                break
            _redecide(ctx, session, facts, changed)
            owed = _owed(session, list(changed))
            groups = [owed[start : start + group_size] for start in range(0, len(owed), group_size)]
            changed = write_groups(ctx, session, groups)
        ctx.counts.queued_for_retry = (
            session.scalar(
                select(func.count()).select_from(Decision).where(Decision.write_state == "retrying")
            )
            or 0
        )


def _write_owed_until(
    ctx: RunContext, session: Session, last: int | None, group_size: int
) -> dict[str, OrgState]:
    """Write the decisions owed up to id `last`, oldest first, a bounded slice at a time (so a
    first run owing 100,000 writes never holds them all); return the leads a person changed."""
    changed: dict[str, OrgState] = {}
    after = 0
    while last is not None and after < last:
        query = (
            select(Decision)
            .where(_owed_clause(), Decision.id > after, Decision.id <= last)
            .order_by(Decision.id)
            .limit(group_size * WRITE_SLICE_GROUPS)
        )
        owed = list(session.scalars(query))
        if not owed:
            break
        after = owed[-1].id
        groups = [owed[start : start + group_size] for start in range(0, len(owed), group_size)]
        changed |= write_groups(ctx, session, groups)
    return changed


def _owed_max_id(session: Session) -> int | None:
    return session.scalar(select(func.max(Decision.id)).where(_owed_clause()))


def _redecide(
    ctx: RunContext, session: Session, facts: RunFacts, changed: dict[str, OrgState]
) -> None:
    """Take the org's fresh Status and OwnerId into the store, then decide those leads again."""
    for lead_id, fresh in changed.items():
        session.execute(
            update(Lead)
            .where(Lead.id == lead_id)
            .values(status=fresh.status, owner_id=fresh.owner_id)
        )
    leads = [(lead, facts.fingerprint(lead)) for lead in load_leads(session, changed)]
    state = AssignmentState(positions=load_positions(session), open_mqls=open_mql_counts(session))
    store_decisions(ctx, session, facts, leads, state)


def _owed(session: Session, lead_ids: Sequence[str]) -> list[Decision]:
    """Decisions of `lead_ids` still owing the org a write, oldest first."""
    query = select(Decision).where(_owed_clause()).order_by(Decision.id)
    found: list[Decision] = []
    for start in range(0, len(lead_ids), 500):
        found += session.scalars(query.where(Decision.lead_id.in_(lead_ids[start : start + 500])))
    return found


def _owed_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Decision).where(_owed_clause())) or 0


def _supersede(session: Session, lead_ids: Sequence[str]) -> None:
    """Earlier decisions still owing a write give way to the new ones for the same leads.

    Only leads that owe a write are updated: usually a few retries, where a first run would
    otherwise send an UPDATE for every 500 of its 50,000 decided leads.
    """
    owing = set(session.scalars(select(Decision.lead_id).where(_owed_clause())))
    wanted = [lead_id for lead_id in lead_ids if lead_id in owing]
    for start in range(0, len(wanted), 500):
        session.execute(
            update(Decision)
            .where(Decision.lead_id.in_(wanted[start : start + 500]), _owed_clause())
            .values(write_state="superseded")
        )


def _owed_clause() -> ColumnElement[bool]:
    return Decision.dry_run.is_(False) & Decision.write_state.in_(OWED)
