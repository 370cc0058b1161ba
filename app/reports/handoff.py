"""Handoff status: how the open MQLs stand against the SLA, overall and per owner.

The state counts are a snapshot of the open MQLs as of `as_of`. The time to first touch and the
acceptance rate look back over a window (`since` to `as_of`): first-touch hours of MQLs whose MQL
time falls in it, and the exits from MQL that happened in it. Each is one grouped query, read
from an index: the acceptance by owner from the owner each exit recorded, not from its lead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app.reports import stats
from app.reports.models import (
    Acceptance,
    HandoffStatus,
    OwnerStatus,
    SlaSettings,
    StateCounts,
    TargetStatus,
)
from app.reports.names import user_names
from app.reports.percentiles import Percentiles, grouped_percentiles
from app.reports.sla import UNKNOWN, open_mql, sla_state
from app.store.models import Lead, MqlEpisode

ACCEPTED_KINDS = ("accepted", "converted")
METHODS = {
    "sla_state": "first match of stale, pending, met, breached (SPEC Definitions), against "
    "each MQL's due and stale times as the last sync computed them on the SLA clock",
    "hours_to_first_touch": stats.PERCENTILE_METHOD
    + "; MQLs whose MQL time is in the window, first touch known",
    "acceptance_rate": "(accepted + converted) / (accepted + converted + rejected), exits from "
    "MQL in the window; other exits reported apart",
}


StateKey = tuple[str | None, str | None, float | None]  # owner, SLA target, target hours


def _state_counts(
    session: Session, as_of: datetime, sla: SlaSettings
) -> dict[StateKey, dict[str, int]]:
    """Open MQLs by owner, SLA target and state: one grouped read of the open-MQL index (which
    holds every column used here), summed by owner and by target from these few rows."""
    state = sla_state(as_of, sla).label("state")
    keys = (Lead.owner_id, Lead.sla_target, Lead.sla_target_hours)
    rows = session.execute(
        select(*keys, state, func.count()).where(open_mql()).group_by(*keys, state)
    )
    counts: dict[StateKey, dict[str, int]] = defaultdict(dict)
    for owner_id, target, hours, name, count in rows:
        counts[owner_id, target, hours][name] = int(count)
    return counts


def _by(
    counts: dict[StateKey, dict[str, int]], key: Callable[[StateKey], Any]
) -> dict[Any, dict[str, int]]:
    summed: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for found, states in counts.items():
        into = summed[key(found)]
        for name, count in states.items():
            into[name] += count
    return summed


def _target_rows(counts: dict[StateKey, dict[str, int]]) -> list[TargetStatus]:
    """Open MQLs by the SLA target recorded with each (a run stores it with the due time)."""
    by_target = _by(counts, lambda key: (key[1], key[2]))
    ordered = sorted(by_target, key=lambda key: (key[0] is None, key[0] or "", key[1] or 0))
    return [
        TargetStatus(
            target=target, target_hours=hours, **_counts(by_target[target, hours]).model_dump()
        )
        for target, hours in ordered
    ]


def _percentiles(session: Session, since: datetime, as_of: datetime) -> Percentiles:
    window: list[ColumnElement[bool]] = [
        Lead.mql_at >= since,
        Lead.mql_at <= as_of,
        Lead.is_deleted.is_(False),
    ]
    return grouped_percentiles(
        session, Lead.hours_to_first_touch, Lead.owner_id, window, (0.5, 0.9)
    )


def _exits(session: Session, since: datetime, as_of: datetime) -> dict[str | None, dict[str, int]]:
    # The owner recorded as each stay ended, from one index: no join to a million leads.
    rows = session.execute(
        select(MqlEpisode.owner_id, MqlEpisode.ended_kind, func.count())
        .where(MqlEpisode.ended_at >= since, MqlEpisode.ended_at <= as_of)
        .group_by(MqlEpisode.owner_id, MqlEpisode.ended_kind)
    )
    exits: dict[str | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for owner_id, kind, count in rows:
        exits[owner_id][kind or "other"] += int(count)
    return exits


def _acceptance(kinds: dict[str, int]) -> Acceptance:
    accepted, converted, rejected = (kinds.get(k, 0) for k in ("accepted", "converted", "rejected"))
    decided = accepted + converted + rejected
    others = sum(v for k, v in kinds.items() if k not in ("accepted", "converted", "rejected"))
    return Acceptance(
        accepted=accepted,
        converted=converted,
        rejected=rejected,
        other_exits=others,
        rate=stats.rate(accepted + converted, decided),
    )


def _counts(states: dict[str, int]) -> StateCounts:
    return StateCounts(
        mql_open=sum(states.values()),
        pending=states.get("pending", 0),
        met=states.get("met", 0),
        breached=states.get("breached", 0),
        stale=states.get("stale", 0),
        mql_at_unknown=states.get(UNKNOWN, 0),
    )


def _owner_rows(
    session: Session,
    states: dict[str | None, dict[str, int]],
    percentiles: dict[Any, list[float | None]],
    exits: dict[str | None, dict[str, int]],
) -> list[OwnerStatus]:
    owners = sorted(set(states) | set(percentiles) | set(exits), key=lambda o: (o is None, o))
    names = user_names(session, owners)
    return [
        OwnerStatus(
            owner_id=owner,
            owner_name=names.get(owner) if owner else None,
            **_counts(states.get(owner, {})).model_dump(),
            median_hours_to_first_touch=percentiles.get(owner, [None, None])[0],
            p90_hours_to_first_touch=percentiles.get(owner, [None, None])[1],
            acceptance_rate=_acceptance(exits.get(owner, {})).rate,
        )
        for owner in owners
    ]


def _sum(nested: dict[str | None, dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for inner in nested.values():
        for name, count in inner.items():
            total[name] += count
    return total


def handoff_status(
    session: Session, *, as_of: datetime, since: datetime, sla: SlaSettings
) -> HandoffStatus:
    """The SLA snapshot of open MQLs at `as_of`, with first-touch and acceptance since `since`."""
    counts = _state_counts(session, as_of, sla)
    states = _by(counts, lambda key: key[0])
    exits = _exits(session, since, as_of)
    percentiles = _percentiles(session, since, as_of)
    by_owner = _owner_rows(session, states, percentiles.by_group, exits)
    median, p90 = percentiles.total
    acceptance = _acceptance(_sum(exits))
    return HandoffStatus(
        **_counts(_sum(states)).model_dump(),
        as_of=as_of,
        since=since,
        sla_hours=sla.first_touch_hours,
        sla_clock=sla.clock,
        sla_calendar=sla.calendar,
        sla=sla,
        median_hours_to_first_touch=median,
        p90_hours_to_first_touch=p90,
        acceptance_rate=acceptance.rate,
        acceptance=acceptance,
        methods=METHODS,
        by_owner=by_owner,
        by_target=_target_rows(counts),
    )
