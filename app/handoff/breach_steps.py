"""The `sla.on_breach` steps of a run: which are due, and recording each exactly once.

A step is due for an open MQL with no first touch once `after_hours` have passed since its due
time, on the SLA's clock. Each step is recorded in `breach_actions` under a unique key (lead, MQL
stay, step, dry run) in the same transaction as what it sets in motion: an outbox row for
`notify`, a pending owner decision for `reassign`. So a crash before the commit leaves nothing
and the next run does it; a crash after leaves it recorded and it is never done again. The
outbox delivers notifications afterwards; the normal write path (with its pre-write re-read)
writes the owner change. A dry run records what it would do (`state` "would") and sets nothing
in motion.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select, true
from sqlalchemy.orm import Session

from app.handoff.inputs import HandoffInputs
from app.handoff.mapping import LeadInput, load_leads
from app.handoff.report import HandoffReport
from app.handoff.run_facts import RunFacts
from app.sla_policy import SlaPolicy, sla_policy
from app.store import repo_decisions, repo_sync
from app.store.models import BreachAction, DecisionRecord, Lead, LeadHolder, MqlEpisode, Outbox
from app.store.repo_assignment import load_state, save_state
from app.store.repo_decisions import DecisionRow, latest_score
from app.store.states import WriteState
from rules import AssignmentState, RuleSet
from rules.breach import breach_reassignment, lead_route
from rules.ids import to18
from rules.model import BreachStep

_CHUNK = 500


@dataclass(frozen=True)
class DueStep:
    """One step due for one MQL stay."""

    lead_id: str
    episode_id: int
    index: int
    step: BreachStep
    step_at: datetime
    owner_id: str | None
    due_at: datetime
    mql_at: datetime | None
    target: str | None
    target_hours: float | None
    fit: int | None = None
    interest: int | None = None

    @property
    def step_kind(self) -> str:
        return "notify" if self.step.notify is not None else "reassign"


def run_breach_steps(ctx: HandoffInputs, facts: RunFacts, report: HandoffReport) -> None:
    """Record (and set in motion, unless a dry run) every breach step due now."""
    steps = ctx.ruleset.sla.on_breach
    if not steps:
        return
    now = ctx.now()
    with ctx.sessions() as session:
        policy = sla_policy(session, ctx.ruleset)
        due = due_steps(session, ctx.ruleset, policy, now, dry_run=ctx.dry_run)
        if not due:
            return
        leads = {lead.id: lead for lead in load_leads(session, {d.lead_id for d in due})}
        state = load_state(session, ctx.ruleset)
        org = repo_sync.get_org(session)
        link = org.instance_url if org is not None else None
        for item in due:
            lead = leads.get(item.lead_id)
            if lead is None:
                continue
            ctx.guard.check_lock()
            state, outcome = _record(ctx, session, item, lead, facts, state, link, policy, now)
            report.count_breach_action(item.step_kind, outcome)
        if not ctx.dry_run:
            save_state(session, state, now)
        session.commit()


def due_steps(
    session: Session, ruleset: RuleSet, policy: SlaPolicy, now: datetime, *, dry_run: bool
) -> list[DueStep]:
    """Steps due at `now` for open MQLs without a first touch, not yet recorded."""
    steps = ruleset.sla.on_breach
    rows = session.execute(
        select(
            Lead.id, Lead.owner_id, Lead.sla_due_at, Lead.mql_at, Lead.sla_target,
            Lead.sla_target_hours, Lead.fields, latest_score(DecisionRecord.fit).label("fit"),
            latest_score(DecisionRecord.interest).label("interest"),
        ).where(
            Lead.is_open_mql == true(),  # the partial index's form (see app/reports/sla.py)
            Lead.is_deleted.is_(False),
            Lead.purged.is_(False),
            Lead.first_touch_at.is_(None),
            Lead.sla_due_at <= now,
        )
    ).all()  # fmt: skip
    found: list[DueStep] = []
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        ids = [row.id for row in chunk]
        episodes = _open_episodes(session, ids)
        recorded = _recorded(session, ids, dry_run)
        for row in chunk:
            episode = episodes.get(row.id)
            if episode is None:
                continue
            route = lead_route(ruleset, {**(row.fields or {}), "OwnerId": row.owner_id})
            for index, step in enumerate(steps):
                if (row.id, episode, index) in recorded:
                    continue
                if step.routes is not None and (route is None or route.index not in step.routes):
                    continue
                at = policy.step_at(row.owner_id, row.sla_due_at, step.after_hours)
                if at <= now:
                    found.append(
                        DueStep(
                            row.id, episode, index, step, at, row.owner_id, row.sla_due_at,
                            row.mql_at, row.sla_target, row.sla_target_hours, row.fit,
                            row.interest,
                        )
                    )  # fmt: skip
    return sorted(found, key=lambda d: (d.step_at, d.lead_id, d.index))


def _open_episodes(session: Session, ids: Sequence[str]) -> dict[str, int]:
    query = (
        select(MqlEpisode.lead_id, func.max(MqlEpisode.id))
        .where(
            MqlEpisode.lead_id.in_(ids),
            MqlEpisode.ended_at.is_(None),
            MqlEpisode.ended_kind.is_(None),
        )
        .group_by(MqlEpisode.lead_id)
    )
    return {lead_id: int(episode) for lead_id, episode in session.execute(query)}


def _recorded(session: Session, ids: Sequence[str], dry_run: bool) -> set[tuple[str, int, int]]:
    query = select(BreachAction.lead_id, BreachAction.episode_id, BreachAction.step).where(
        BreachAction.lead_id.in_(ids), BreachAction.dry_run.is_(dry_run)
    )
    return {(lead, episode, step) for lead, episode, step in session.execute(query)}


def holders(session: Session, lead_id: str) -> set[str]:
    """Every owner the lead has been seen with."""
    query = select(LeadHolder.owner_id).where(LeadHolder.lead_id == lead_id)
    return {to18(owner) for owner in session.scalars(query)}


def _record(
    ctx: HandoffInputs,
    session: Session,
    item: DueStep,
    lead: LeadInput,
    facts: RunFacts,
    state: AssignmentState,
    link: str | None,
    policy: SlaPolicy,
    now: datetime,
) -> tuple[AssignmentState, str]:
    """Record one step with what it sets in motion; return the state after it and its outcome."""
    action: dict[str, Any] = {
        "lead_id": item.lead_id, "episode_id": item.episode_id, "step": item.index,
        "dry_run": ctx.dry_run, "kind": item.step_kind, "run_id": ctx.run_id,
        "owner_id": item.owner_id, "target": item.target, "mql_at": item.mql_at,
        "due_at": item.due_at, "step_at": item.step_at, "created_at": now,
    }  # fmt: skip
    if item.step.notify is not None:
        env = item.step.notify.webhook_env
        action |= {"state": "would" if ctx.dry_run else "queued", "detail": {"webhook_env": env}}
        action_id = _insert_action(session, action)
        if not ctx.dry_run:
            payload = notification(item, lead, link, policy)
            _queue(session, action_id, env, payload, now)
        return state, action["state"]
    held = holders(session, item.lead_id) | ({to18(lead.owner_id)} if lead.owner_id else set())
    fields = {**lead.facts_fields()}
    choice, after = breach_reassignment(
        ctx.ruleset, item.lead_id, fields, held, state, facts.roster
    )
    detail: dict[str, Any] = {"from": lead.owner_id, "to": choice.owner_id, "why": choice.reason}
    if choice.owner_id is None:
        action |= {"state": "skipped", "detail": detail}
        _insert_action(session, action)
        return state, "skipped"
    if ctx.dry_run:
        action |= {"state": "would", "detail": detail}
        _insert_action(session, action)
        return state, "would"
    decision_id = _owner_decision(ctx, session, item, lead, facts, choice.owner_id, choice.route)
    action |= {"state": "queued", "detail": detail | {"decision_id": decision_id}}
    _insert_action(session, action)
    return after, "queued"


def _insert_action(session: Session, values: dict[str, Any]) -> int:
    table: Table = BreachAction.__table__  # type: ignore[assignment]
    result = session.execute(insert(table).returning(table.c.id), [values])
    return int(result.scalar_one())


def idempotency_key(action_id: int, lead_id: str, episode_id: int, step: int) -> str:
    """Stable for one action, whatever process or attempt sends it."""
    text = f"handoff-breach:{lead_id}:{episode_id}:{step}:{action_id}"
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _queue(
    session: Session, action_id: int, env: str, payload: dict[str, Any], now: datetime
) -> None:
    row = {
        "action_id": action_id,
        "idempotency_key": idempotency_key(
            action_id, payload["lead_id"], payload["mql_episode"], payload["step"]
        ),
        "webhook_env": env,
        "payload": payload,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    table: Table = Outbox.__table__  # type: ignore[assignment]
    session.execute(insert(table), [row])


def notification(
    item: DueStep, lead: LeadInput, link: str | None, policy: SlaPolicy
) -> dict[str, Any]:
    """The JSON a breach webhook receives."""
    url = f"{link.rstrip('/')}/lightning/r/Lead/{lead.id}/view" if link else None
    return {
        "event": "handoff.sla_breach",
        "lead_id": lead.id,
        "lead_url": url,
        "owner_id": lead.owner_id,
        "status": lead.status,
        "mql_at": item.mql_at.isoformat() if item.mql_at else None,
        "due_at": item.due_at.isoformat(),
        "state": "breached",
        "target": item.target,
        "target_hours": item.target_hours,
        "sla_clock": policy.clock,
        "step": item.index,
        "after_hours": item.step.after_hours,
        "mql_episode": item.episode_id,
    }


def _owner_decision(
    ctx: HandoffInputs,
    session: Session,
    item: DueStep,
    lead: LeadInput,
    facts: RunFacts,
    owner_id: str,
    route: int | None,
) -> int:
    """A pending owner change for the write path, in place of any write the lead still owes."""
    repo_decisions.supersede_owed(session, [lead.id])
    planned = {"OwnerId": owner_id}
    ruleset = ctx.ruleset
    explanation = (
        f"SLA breach, on_breach[{item.index}]: reassigned from {lead.owner_id} to {owner_id} "
        f"(due {item.due_at:%Y-%m-%d %H:%M} UTC, no first touch; never a previous holder)"
    )
    row = DecisionRow(
        lead_id=lead.id, run_id=ctx.run_id, decided_at=ctx.now(),
        rules_version=str(ruleset.version), rules_hash=ruleset.content_hash,
        input_fingerprint=facts.fingerprint(lead),
        result_fingerprint=facts.fingerprint(lead.with_values(planned, ruleset.statuses.mql)),
        dry_run=False, mql=True, held=False, missing_fields=None, fit=item.fit or 0,
        interest=item.interest or 0, matched=None, disqualified_by=None, ineligible_reason=None,
        route_index=route, explanation=explanation[:255], planned=planned,
        write_state=WriteState.PENDING, read_status=lead.status, read_owner_id=lead.owner_id,
    )  # fmt: skip
    repo_decisions.insert_decisions(session, [row])
    newest = select(func.max(DecisionRecord.id)).where(DecisionRecord.lead_id == lead.id)
    return int(session.scalar(newest) or 0)
