"""Routing reports: the fairness ledger of a pool, lead-to-account matching, and held leads.

All three read live decisions (dry runs never assign) and their stored routing: who got the
lead, which route and weight, who was passed over and why, and the matched Account. A lead
decided more than once in a window counts once, with its latest decision there.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.reports.models import Report
from app.reports.names import user_names
from app.store.models import Absence, DecisionHead, DecisionRecord, Lead, LedgerAdjustment
from rules import RuleSet


class LedgerMember(Report):
    user_id: str
    name: str | None
    weight: int
    assigned: int = Field(description="leads this member was given from the pool in the window")
    expected_share: float = Field(description="the pool's leads in the window times the member's "
                                  "weight over the pool's total weight")  # fmt: skip
    difference: float = Field(description="assigned minus expected_share")
    skipped: dict[str, int] = Field(
        description="times passed over, by reason (out of office, outside working hours, on "
        "holiday, at cap, inactive)"
    )
    adjusted_turns: int = Field(description="turns credited (+) or debited (-) by admins")
    absences: list[dict[str, Any]] = Field(description="out-of-office periods in the window")


class LedgerPool(Report):
    route: int
    pool_key: str
    weighted: bool
    assigned: int
    held: int = Field(description="leads held in the window for want of an available owner")
    members: list[LedgerMember]


class Ledger(Report):
    from_: datetime = Field(alias="from")
    to: datetime
    pools: list[LedgerPool]


class Matching(Report):
    from_: datetime = Field(alias="from")
    to: datetime
    decided: int = Field(description="leads given an owner choice in the window")
    matched: int
    matched_by_method: dict[str, int]
    unmatched: int
    routed_to_account_owner: int
    held: int


class HeldLead(Report):
    lead_id: str
    owner_id: str | None
    owner_name: str | None
    status: str | None
    route: int | None
    reason: str | None = Field(description="why it waits: `no available owner (route N; ...)`")
    held_since: datetime
    fit: int | None
    interest: int | None


def _latest_decisions(session: Session, start: datetime, end: datetime) -> list[Any]:
    """The latest live decision with an owner choice per lead, decided in [start, end]."""
    rows = session.execute(
        select(DecisionRecord.id, DecisionRecord.lead_id, DecisionRecord.route_index,
               DecisionRecord.owner_id, DecisionRecord.owner_held, DecisionRecord.account_id,
               DecisionRecord.match_method, DecisionRecord.routing)
        .where(DecisionRecord.dry_run.is_(False), DecisionRecord.routing.is_not(None),
               DecisionRecord.decided_at >= start, DecisionRecord.decided_at <= end)
        .order_by(DecisionRecord.id)
    ).all()  # fmt: skip
    latest: dict[str, Any] = {}
    for row in rows:
        latest[row.lead_id] = row
    return list(latest.values())


def ledger(
    session: Session, ruleset: RuleSet, *, start: datetime, end: datetime, route: int | None
) -> Ledger:
    """Per pool member of the current rules: leads assigned, weight, expected share, skips by
    reason, admins' adjustments and absences, over decisions made in [start, end)."""
    decisions = _latest_decisions(session, start, end)
    by_route: dict[int, list[Any]] = defaultdict(list)
    for row in decisions:
        if row.route_index is not None:
            by_route[row.route_index].append(row)
    routes = [r for r in ruleset.routes if r.pool and (route is None or r.index == route)]
    members = {m for r in routes for m in r.pool}
    names = user_names(session, members)
    adjusted: dict[tuple[str, str], int] = Counter()
    for adjustment in session.scalars(select(LedgerAdjustment)):
        adjusted[(adjustment.pool_key, adjustment.member)] += adjustment.turns
    away: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for absence in session.scalars(
        select(Absence).where(Absence.user_id.in_(members), Absence.is_deleted.is_(False),
                              Absence.enabled.is_(True), Absence.start_at < end,
                              Absence.end_at > start).order_by(Absence.start_at)
    ):  # fmt: skip
        away[absence.user_id].append({
            "id": absence.id, "start": absence.start_at, "end": absence.end_at,
            "reason": absence.reason, "source": absence.source,
        })  # fmt: skip
    pools = []
    for compiled in routes:
        rows = by_route.get(compiled.index, [])
        given = Counter(r.owner_id for r in rows if r.owner_id and not r.owner_held)
        skipped: dict[str, Counter[str]] = defaultdict(Counter)
        for row in rows:
            for entry in (row.routing or {}).get("skipped", []):
                skipped[entry.get("user_id")][entry.get("reason", "?")] += 1
        total_weight = sum(w for _m, w in compiled.members) or 1
        assigned = sum(given[m] for m in compiled.pool)
        pool_members = []
        for member, weight in compiled.members:
            expected = assigned * weight / total_weight
            pool_members.append(LedgerMember(
                user_id=member, name=names.get(member), weight=weight, assigned=given[member],
                expected_share=round(expected, 2), difference=round(given[member] - expected, 2),
                skipped=dict(skipped[member]), adjusted_turns=adjusted[(compiled.pool_key, member)],
                absences=away.get(member, []),
            ))  # fmt: skip
        pools.append(LedgerPool(
            route=compiled.index, pool_key=compiled.pool_key, weighted=compiled.weighted,
            assigned=assigned, held=sum(1 for r in rows if r.owner_held), members=pool_members,
        ))  # fmt: skip
    return Ledger.model_validate({"from": start, "to": end, "pools": pools})


def matching(session: Session, *, start: datetime, end: datetime) -> Matching:
    """Owners chosen by a route in [start, end] (kept owners are no choice): matched to an
    Account by method, unmatched, handed to the matched Account's owner, and held."""
    decisions = [d for d in _latest_decisions(session, start, end) if d.route_index is not None]
    methods: Counter[str] = Counter()
    to_owner = held = 0
    for row in decisions:
        if row.owner_held:
            held += 1
        if row.account_id is None:
            continue
        methods[row.match_method or "?"] += 1
        account = (row.routing or {}).get("account") or {}
        if row.owner_id and not row.owner_held and row.owner_id == account.get("owner_id"):
            to_owner += 1
    matched = sum(methods.values())
    return Matching.model_validate({
        "from": start, "to": end, "decided": len(decisions), "matched": matched,
        "matched_by_method": dict(methods), "unmatched": len(decisions) - matched,
        "routed_to_account_owner": to_owner, "held": held,
    })  # fmt: skip


def held_leads(session: Session, *, limit: int, after: str | None) -> list[HeldLead]:
    """Leads waiting for an available owner (their live head is held), by lead Id."""
    query = (
        select(Lead.id, Lead.owner_id, Lead.status, DecisionRecord.fit, DecisionRecord.interest,
               DecisionRecord.route_index, DecisionRecord.owner_reason,
               DecisionRecord.decided_at)
        .join(DecisionHead, (DecisionHead.lead_id == Lead.id) & DecisionHead.dry_run.is_(False))
        .join(DecisionRecord, DecisionRecord.id == DecisionHead.decision_id)
        .where(DecisionHead.waiting_owner.is_(True), Lead.is_deleted.is_(False),
               Lead.is_converted.is_(False))
        .order_by(Lead.id)
        .limit(limit)
    )  # fmt: skip
    if after is not None:
        query = query.where(Lead.id > after)
    rows = session.execute(query).all()
    names = user_names(session, (r.owner_id for r in rows))
    return [
        HeldLead(
            lead_id=r.id, owner_id=r.owner_id, owner_name=names.get(r.owner_id or ""),
            status=r.status, route=r.route_index, reason=r.owner_reason,
            held_since=r.decided_at, fit=r.fit, interest=r.interest,
        )
        for r in rows
    ]  # fmt: skip
