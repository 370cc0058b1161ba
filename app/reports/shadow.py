"""The shadow report: what the rules would have done (HANDOFF_WRITE_MODE=shadow) against what the
org did to the same leads, by route.

Each lead a shadow run decided in the period while it was eligible counts once: by its first
decision that made it MQL, else by its latest one. The org's side is the lead as the last sync
stored it: MQL if it ever reached the MQL status (nothing of ours was written, so a person, a
flow or another tool put it there) and its owner now. The two agree when both say MQL or both
say not, and, when both say MQL, when the owners are the same. Disagreements carry both sides'
reasons: ours is the decision's explanation, the org's the Status and Owner history (who changed
it, when). Decisions stream from the store; only the shown disagreements are held.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.reports import stats
from app.reports.models import RateInterval
from app.reports.names import user_names
from app.reports.outcome_models import (
    ShadowDisagreement,
    ShadowReport,
    ShadowRoute,
    ShadowSide,
)
from app.store.models import DecisionRecord, Lead, LeadHistory
from rules import RuleSet

SHOWN = 200
BATCH = 5000
NOT_MQL = "not MQL"

METHODS = {
    "lead": "each lead the shadow runs decided while eligible, by its first MQL decision in "
    "the period, else its latest",
    "org_mql": "the lead reached the MQL status (any time), as the last sync stored it",
    "org_owner": "the lead's owner as the last sync stored it",
    "agreement": "same MQL verdict, and the same owner when both made it MQL",
    "interval": stats.WILSON_METHOD,
}


@dataclass
class _Chosen:
    decision: Any
    lead: Any


def _period(start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        DecisionRecord.shadow.is_(True),
        DecisionRecord.ineligible_reason.is_(None),
    ]
    if start is not None:
        where.append(DecisionRecord.decided_at >= datetime.combine(start, time(), UTC))
    if end is not None:
        where.append(
            DecisionRecord.decided_at < datetime.combine(end + timedelta(days=1), time(), UTC)
        )
    return where


def _chosen(session: Session, start: date | None, end: date | None) -> Iterator[_Chosen]:
    """Per lead, in lead order: its first MQL decision, else its latest."""
    query = (
        select(DecisionRecord, Lead)
        .join(Lead, Lead.id == DecisionRecord.lead_id)
        .where(*_period(start, end))
        .order_by(DecisionRecord.lead_id, DecisionRecord.decided_at, DecisionRecord.id)
        .execution_options(yield_per=BATCH)
    )
    current: _Chosen | None = None
    for decision, lead in session.execute(query):
        if current is not None and current.decision.lead_id != decision.lead_id:
            yield current
            current = None
        if current is None or not current.decision.mql:
            current = _Chosen(decision, lead)
    if current is not None:
        yield current


def _our_owner(decision: Any) -> str | None:
    planned = decision.planned or {}
    owner = planned.get("OwnerId", decision.read_owner_id)
    return str(owner) if owner is not None else None


def _route(ruleset: RuleSet | None, decision: Any) -> str:
    if not decision.mql:
        return NOT_MQL
    index = decision.route_index
    if index is None:
        return "kept owner"
    if ruleset is not None and index < len(ruleset.routes):
        return str(ruleset.routes[index].title)
    return f"routes[{index}]"


@dataclass
class _RouteTally:
    leads: int = 0
    agreed: int = 0
    status: int = 0
    owner: int = 0


def _rate(agreed: int, leads: int) -> tuple[float | None, RateInterval | None]:
    interval = stats.wilson_interval(agreed, leads)
    low_high = RateInterval(low=interval.low, high=interval.high) if interval else None
    return stats.rate(agreed, leads), low_high


def shadow_report(
    session: Session,
    ruleset: RuleSet | None,
    *,
    start: date | None = None,
    end: date | None = None,
) -> ShadowReport:
    """Agreement between the shadow decisions of the period and the org, by route."""
    routes: dict[str, _RouteTally] = defaultdict(_RouteTally)
    shown: list[tuple[str, bool, bool | None, _Chosen]] = []
    total = agreed = disagreements = 0
    for chosen in _chosen(session, start, end):
        decision, lead = chosen.decision, chosen.lead
        ours_mql, org_mql = bool(decision.mql), bool(lead.ever_mql)
        status_agrees = ours_mql == org_mql
        owner_agrees = None
        if ours_mql and org_mql:
            owner_agrees = _our_owner(decision) == lead.owner_id
        agrees = status_agrees and owner_agrees is not False
        route = _route(ruleset, decision)
        tally = routes[route]
        tally.leads += 1
        total += 1
        if agrees:
            tally.agreed += 1
            agreed += 1
            continue
        disagreements += 1
        tally.status += not status_agrees
        tally.owner += owner_agrees is False
        if len(shown) < SHOWN:
            shown.append((route, status_agrees, owner_agrees, chosen))
    rate, interval = _rate(agreed, total)
    notes = [
        "the org's side is the lead as the last sync stored it: a lead the org has not acted "
        "on yet counts as not MQL"
    ]
    if not total:
        notes.append(
            "no shadow decisions in the period: set HANDOFF_WRITE_MODE=shadow and run a sync"
        )
    return ShadowReport(
        from_=start,
        to=end,
        leads=total,
        agreed=agreed,
        agreement_rate=rate,
        agreement_rate_95=interval,
        routes=[_route_row(name, tally) for name, tally in sorted(routes.items())],
        disagreements_total=disagreements,
        disagreements=_disagreements(session, shown),
        notes=notes,
        methods=METHODS,
    )


def _route_row(name: str, tally: _RouteTally) -> ShadowRoute:
    rate, interval = _rate(tally.agreed, tally.leads)
    return ShadowRoute(
        route=name,
        leads=tally.leads,
        agreed=tally.agreed,
        agreement_rate=rate,
        agreement_rate_95=interval,
        status_disagreements=tally.status,
        owner_disagreements=tally.owner,
    )


def _disagreements(
    session: Session, shown: list[tuple[str, bool, bool | None, _Chosen]]
) -> list[ShadowDisagreement]:
    leads = [chosen.lead.id for _r, _s, _o, chosen in shown]
    history = _history(session, leads)
    people = {row.created_by_id for rows in history.values() for row in rows}
    owners = {chosen.lead.owner_id for *_, chosen in shown}
    owners |= {_our_owner(chosen.decision) for *_, chosen in shown}
    names = user_names(session, people | owners)
    found = []
    for route, status_agrees, owner_agrees, chosen in shown:
        decision, lead = chosen.decision, chosen.lead
        ours_owner = _our_owner(decision) if decision.mql else None
        found.append(
            ShadowDisagreement(
                lead_id=lead.id,
                route=route,
                status_agrees=status_agrees,
                owner_agrees=owner_agrees,
                ours=ShadowSide(
                    mql=bool(decision.mql),
                    owner_id=ours_owner,
                    owner_name=names.get(ours_owner) if ours_owner else None,
                    reason=decision.explanation or "",
                ),
                org=ShadowSide(
                    mql=bool(lead.ever_mql),
                    owner_id=lead.owner_id,
                    owner_name=names.get(lead.owner_id) if lead.owner_id else None,
                    reason=_org_reason(lead, history.get(lead.id, []), names),
                ),
            )
        )
    return found


def _history(session: Session, leads: list[str]) -> dict[str, list[Any]]:
    """Status and Owner changes of these leads, oldest first (owner changes by name, not Id)."""
    found: dict[str, list[Any]] = defaultdict(list)
    for offset in range(0, len(leads), 500):
        rows = session.scalars(
            select(LeadHistory)
            .where(
                LeadHistory.lead_id.in_(leads[offset : offset + 500]),
                LeadHistory.field.in_(("Status", "Owner")),
            )
            .order_by(LeadHistory.lead_id, LeadHistory.created_date, LeadHistory.id)
        )
        for row in rows:
            if row.field == "Owner" and _looks_like_id(row.new_value):
                continue
            found[row.lead_id].append(row)
    return found


def _looks_like_id(value: str | None) -> bool:
    return value is not None and len(value) in (15, 18) and value[:3] in ("005", "00G")


def _org_reason(lead: Any, history: list[Any], names: dict[str, str | None]) -> str:
    changes = [
        f"{row.field} {row.old_value or '(none)'} -> {row.new_value or '(none)'} by "
        f"{names.get(row.created_by_id) or row.created_by_id or 'unknown'} at "
        f"{row.created_date:%Y-%m-%d %H:%M}"
        for row in history[-4:]
    ]
    state = f"status {lead.status!r}" + (", MQL at some point" if lead.ever_mql else "")
    return f"{state}; " + "; ".join(changes) if changes else f"{state}; no Status or Owner change"
