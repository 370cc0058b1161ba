"""The win/loss rollup, kept by triggers, always equals a direct count of the opportunities."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from app.store.models import Opportunity, WinLossRollup
from tests.app.api import builders as b


def _direct(session: Session) -> dict[tuple[object, ...], tuple[int, float]]:
    key = (
        Opportunity.close_date,
        Opportunity.mql_originated,
        func.coalesce(Opportunity.mql_evidence, ""),
        Opportunity.is_won,
    )
    rows = session.execute(
        select(*key, func.count(), func.sum(func.coalesce(Opportunity.amount, 0.0)))
        .where(
            Opportunity.is_closed.is_(True),
            Opportunity.is_deleted.is_(False),
            Opportunity.close_date.is_not(None),
        )
        .group_by(*key)
    )
    return {tuple(r[:4]): (int(r[4]), round(float(r[5]), 2)) for r in rows}


def _rollup(session: Session) -> dict[tuple[object, ...], tuple[int, float]]:
    key = (
        WinLossRollup.close_date,
        WinLossRollup.mql_originated,
        WinLossRollup.mql_evidence,
        WinLossRollup.is_won,
    )
    rows = session.execute(
        select(*key, func.sum(WinLossRollup.closed), func.sum(WinLossRollup.amount))
        .group_by(*key)
        .having(func.sum(WinLossRollup.closed) > 0)
    )
    return {tuple(r[:4]): (int(r[4]), round(float(r[5]), 2)) for r in rows}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollup_follows_inserts_updates_and_deletes(session: Session, seed: int) -> None:
    rng = random.Random(seed)
    ids = []
    for _ in range(40):
        opp = b.opportunity(
            session,
            won=rng.random() < 0.3,
            closed=rng.random() < 0.8,
            source=rng.choice(["ours", "history"]) if rng.random() < 0.4 else None,
            close_date=date(2026, 7, 1) + timedelta(days=rng.randrange(60)),
            Amount=rng.choice([None, 100.0, 2500.5]),
        )
        ids.append(opp.id)
    session.commit()
    for _ in range(60):
        target = rng.choice(ids)
        action = rng.choice(["win", "reopen", "mql", "move", "amount", "delete", "soft"])
        changes: dict[str, dict[str, Any]] = {
            "win": {"is_won": True, "is_closed": True},
            "reopen": {"is_closed": False, "is_won": False},
            "mql": {"mql_originated": True, "mql_evidence": "field"},
            "move": {"close_date": date(2026, 10, 1) + timedelta(days=rng.randrange(30))},
            "amount": {"amount": rng.choice([None, 5.25, 999.0])},
            "soft": {"is_deleted": case((Opportunity.is_deleted, False), else_=True)},
        }
        if action == "delete":
            session.execute(delete(Opportunity).where(Opportunity.id == target))
            ids.remove(target)
        else:
            session.execute(
                update(Opportunity).where(Opportunity.id == target).values(**changes[action])
            )
        session.commit()
    assert _rollup(session) == _direct(session)
