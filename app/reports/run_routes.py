"""Which owners each route handed leads to in one run: what a person wants to see after a sync.

Read from the run's decisions (their route and planned owner), with owner names looked up once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.reports.names import user_names
from app.store.models import DecisionRecord


@dataclass(frozen=True)
class RouteOutcome:
    """Owners one route (numbered from 1) handed leads to in the run, by name (or Id)."""

    route: int
    owners: list[tuple[str, int]]


def owners_by_route(session: Session, run_id: int) -> list[RouteOutcome]:
    rows = session.execute(
        select(DecisionRecord.route_index, DecisionRecord.planned).where(
            DecisionRecord.run_id == run_id, DecisionRecord.route_index.is_not(None)
        )
    )
    by_route: dict[int, Counter[str]] = defaultdict(Counter)
    for route_index, planned in rows:
        owner = (planned or {}).get("OwnerId")
        if owner is not None:
            by_route[int(route_index)][str(owner)] += 1
    names = user_names(session, {o for owners in by_route.values() for o in owners})
    return [
        RouteOutcome(index + 1, [(names.get(o) or o, n) for o, n in sorted(owners.items())])
        for index, owners in sorted(by_route.items())
    ]
