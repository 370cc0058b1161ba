"""The handoff step of a sync run: check the rules, decide, store, then write in live mode.

Order matters for safety. The rules are checked against the org before any decision; decisions
(owners included) are committed before any write, together with the round-robin positions they
used; the write cap is checked before the first write; and leads a person changed between our
read and our write are decided again, with the values the org showed, in the same run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, func, insert, select, update
from sqlalchemy.orm import Session

from app.breach.steps import run_breach_steps
from app.errors import HandoffError
from app.handoff.assign_state import load_positions, open_mql_counts, save_positions
from app.handoff.decide import count_decision, decide_batch, decision_row
from app.handoff.facts import RunFacts, run_facts
from app.handoff.mapping import LeadInput, load_leads
from app.handoff.org_check import check_rules_against_org
from app.handoff.select import leads_to_decide
from app.handoff.write import OWED, OrgState, write_groups
from app.store.models import Decision, Lead
from app.sync.context import RunContext
from rules import AssignmentState

# Leads a person changed mid-run are decided and written again at most this many times.
_REDECIDE_ROUNDS = 3
# Collection chunks of 200 written after one pre-write re-read: 600 Ids are about as many as one
# query URL holds (16,384 bytes), so each group costs a single re-read query.
CHUNKS_PER_CHECK = 3


class WriteCapExceeded(HandoffError):
    """A live run would write more leads than HANDOFF_MAX_WRITES_PER_RUN allows."""


def decide_and_write(ctx: RunContext) -> None:
    """Decide every lead that needs it, store the decisions, and write them in live mode."""
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
        leads = list(
            leads_to_decide(
                session,
                dry_run=ctx.dry_run,
                rules_hash=ctx.ruleset.content_hash,
                fingerprint=facts.fingerprint,
            )
        )
        store_decisions(ctx, session, facts, leads)
    ctx.crash_point("after_decisions")
    run_breach_steps(ctx, facts)
    if not ctx.dry_run:
        write_owed(ctx, facts)


def store_decisions(
    ctx: RunContext, session: Session, facts: RunFacts, leads: Sequence[tuple[LeadInput, str]]
) -> None:
    """Decide `leads`, store the decisions and (live, under the cap) the positions; commit."""
    now = ctx.now()
    state = AssignmentState(positions=load_positions(session), open_mqls=open_mql_counts(session))
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
        _insert(session, rows)
        session.commit()
        return
    _supersede(session, [row["lead_id"] for row in rows])
    owed = sum(row["write_state"] == "pending" for row in rows) + _owed_count(session)
    cap = ctx.settings.max_writes_per_run
    if owed > cap:
        for row in rows:
            if row["write_state"] == "pending":
                row["write_state"] = "capped"
        _insert(session, rows)
        session.commit()
        raise WriteCapExceeded(
            f"this run would write {owed} leads, more than HANDOFF_MAX_WRITES_PER_RUN={cap}; "
            "nothing was written. Check the rules (`handoff sync --dry-run` shows the plan), "
            f"then set HANDOFF_MAX_WRITES_PER_RUN={owed} or more for one run to let it through"
        )
    _insert(session, rows)
    save_positions(session, after.positions, now)
    session.commit()


def write_owed(ctx: RunContext, facts: RunFacts) -> None:
    """Write every decision that owes the org a write, this run's and earlier runs' retries."""
    group_size = min(ctx.settings.write_concurrency, CHUNKS_PER_CHECK) * 200
    with ctx.sessions() as session:
        owed = _owed(session)
        for _round in range(_REDECIDE_ROUNDS + 1):
            groups = [owed[start : start + group_size] for start in range(0, len(owed), group_size)]
            changed = write_groups(ctx, session, groups)
            if not changed:
                break
            _redecide(ctx, session, facts, changed)
            owed = _owed(session, list(changed))
        ctx.counts.queued_for_retry = (
            session.scalar(
                select(func.count()).select_from(Decision).where(Decision.write_state == "retrying")
            )
            or 0
        )


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
    store_decisions(ctx, session, facts, leads)


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    """Store decisions in bulk (one multi-row insert per batch, not one object each)."""
    if rows:
        table: Table = Decision.__table__  # type: ignore[assignment]
        session.execute(insert(table), rows)


def _owed(session: Session, lead_ids: Sequence[str] | None = None) -> list[Decision]:
    """Decisions still owing the org a write (of `lead_ids` when given), oldest first."""
    query = select(Decision).where(_owed_clause()).order_by(Decision.id)
    if lead_ids is None:
        return list(session.scalars(query))
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
