"""SLA breaches in a window: how many, by owner and by target, what was done, and whether it helped.

A breach is an MQL stay whose due time falls in the window and whose first touch came after it,
or not yet (from the leads' stored SLA times: the latest stay of each lead). Actions are the
`on_breach` steps recorded for breaches due in the window, with their outcome; "helped" is the
wall-clock time from an action to the lead's first touch in the same stay (a reassignment is
timed from when it was decided, a notification from when it was delivered).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.reports.models import BreachActionItem, BreachesReport, BreachGroup
from app.reports.names import user_names
from app.store.models import BreachAction, DecisionRecord, Lead, Outbox

METHODS = {
    "breaches": "MQL stays due in the window whose first touch came after the due time or not "
    "at all (each lead's latest stay)",
    "helped": "hours from the action (delivered notification, decided reassignment) to the "
    "first touch of the same stay; median over the actions followed by one",
}


def _breach_counts(
    session: Session, start: datetime, end: datetime
) -> tuple[dict[str | None, int], dict[str | None, int]]:
    late = or_(Lead.first_touch_at.is_(None), Lead.first_touch_at > Lead.sla_due_at)
    where = and_(Lead.sla_due_at >= start, Lead.sla_due_at <= end, Lead.is_deleted.is_(False), late)
    by_owner: dict[str | None, int] = {}
    by_target: dict[str | None, int] = {}
    for column, into in ((Lead.owner_id, by_owner), (Lead.sla_target, by_target)):
        for key, count in session.execute(
            select(column, func.count()).where(where).group_by(column)
        ):
            into[key] = int(count)
    return by_owner, by_target


def _actions(
    session: Session, start: datetime, end: datetime, dry_run: bool, limit: int
) -> list[Any]:
    query = (
        select(
            BreachAction,
            Lead.first_touch_at,
            Lead.mql_at.label("lead_mql_at"),
            Outbox.state.label("delivery"),
            Outbox.attempts,
            Outbox.last_error,
        )
        .join(Lead, Lead.id == BreachAction.lead_id, isouter=True)
        .join(Outbox, Outbox.action_id == BreachAction.id, isouter=True)
        .where(
            BreachAction.due_at >= start,
            BreachAction.due_at <= end,
            BreachAction.dry_run.is_(dry_run),
        )
        .order_by(BreachAction.due_at, BreachAction.id)
        .limit(limit + 1)
    )
    return list(session.execute(query))


def _write_states(session: Session, rows: list[Any]) -> dict[int, str]:
    """The write state of each reassignment's owner decision."""
    ids = [
        int(row.BreachAction.detail["decision_id"])
        for row in rows
        if row.BreachAction.detail and "decision_id" in row.BreachAction.detail
    ]
    if not ids:
        return {}
    query = select(DecisionRecord.id, DecisionRecord.write_state).where(DecisionRecord.id.in_(ids))
    return {int(i): str(state) for i, state in session.execute(query)}


_WRITE_OUTCOME = {"written": "done", "failed": "failed", "skipped_changed": "skipped"}


def _state(row: Any, writes: dict[int, str]) -> str:
    action = row.BreachAction
    if action.kind == "reassign" and action.state == "queued":
        written = writes.get(int((action.detail or {}).get("decision_id", -1)), "")
        return _WRITE_OUTCOME.get(written, "queued")
    return str(action.state)


def _acted_at(row: Any) -> datetime | None:
    action: BreachAction = row.BreachAction
    return action.done_at if action.kind == "notify" else action.created_at


def _helped(row: Any) -> float | None:
    acted = _acted_at(row)
    same_stay = row.lead_mql_at is not None and row.lead_mql_at == row.BreachAction.mql_at
    if acted is None or row.first_touch_at is None or not same_stay:
        return None
    touched: datetime = row.first_touch_at
    if touched < acted:
        return None
    return round((touched - acted).total_seconds() / 3600, 4)


def breaches_report(
    session: Session, *, start: datetime, end: datetime, dry_run: bool = False, limit: int = 500
) -> BreachesReport:
    """Breaches due between `start` and `end`, and the breach actions taken on them."""
    by_owner, by_target = _breach_counts(session, start, end)
    rows = _actions(session, start, end, dry_run, limit)
    truncated = len(rows) > limit
    rows = rows[:limit]
    writes = _write_states(session, rows)
    names = user_names(
        session, [k for k in by_owner if k] + [r.BreachAction.owner_id for r in rows]
    )
    actions = []
    groups: dict[tuple[str, Any], list[BreachActionItem]] = defaultdict(list)
    for row in rows:
        action = row.BreachAction
        item = BreachActionItem(
            id=action.id,
            lead_id=action.lead_id,
            step=action.step,
            kind=action.kind,
            state=_state(row, writes),
            dry_run=action.dry_run,
            owner_id=action.owner_id,
            owner_name=names.get(action.owner_id or ""),
            target=action.target,
            mql_at=action.mql_at,
            due_at=action.due_at,
            step_at=action.step_at,
            acted_at=_acted_at(row),
            detail=action.detail or {},
            delivery=row.delivery,
            delivery_attempts=row.attempts,
            delivery_error=row.last_error,
            first_touch_at=row.first_touch_at,
            hours_action_to_first_touch=_helped(row),
        )
        actions.append(item)
        groups["owner", action.owner_id].append(item)
        groups["target", action.target].append(item)
    return BreachesReport(
        from_=start,
        to=end,
        breaches=sum(by_owner.values()),
        by_owner=_groups("owner", by_owner, groups, names),
        by_target=_groups("target", by_target, groups, {}),
        actions=actions,
        actions_truncated=truncated,
        methods=METHODS,
    )


def _groups(
    kind: str,
    breaches: dict[str | None, int],
    groups: dict[tuple[str, Any], list[BreachActionItem]],
    names: dict[str, str | None],
) -> list[BreachGroup]:
    keys = set(breaches) | {key for k, key in groups if k == kind}
    found = []
    for key in sorted(keys, key=lambda k: (k is None, k or "")):
        items = groups.get((kind, key), [])
        helped = [i.hours_action_to_first_touch for i in items]
        timed = [h for h in helped if h is not None]
        states: dict[str, int] = defaultdict(int)
        for item in items:
            states[f"{item.kind}_{item.state}"] += 1
        found.append(
            BreachGroup(
                key=key,
                label=names.get(key) if key else None,
                breaches=breaches.get(key, 0),
                actions=dict(states),
                followed_by_touch=len(timed),
                median_hours_action_to_first_touch=round(median(timed), 4) if timed else None,
            )
        )
    return found
