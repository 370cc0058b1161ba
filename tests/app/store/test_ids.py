"""Ids drawn before an insert: unique across writers, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, Table, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.store import repo_decisions
from app.store.ids import reserve_ids
from app.store.models import DecisionHead
from app.store.models import DecisionRecord as Decision
from tests.app.store.test_repo_decisions import LEAD_A, LEAD_B, T0, row

DECISIONS: Table = Decision.__table__  # type: ignore[assignment]


def test_drawn_ids_follow_every_stored_row_and_heads_point_at_their_own_lead(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        repo_decisions.insert_decisions(session, [row(LEAD_A, T0), row(LEAD_B, T0)])
        session.commit()
        # A row stored the ordinary way in between, as the ORM's paths do.
        session.execute(insert(DECISIONS), [row(LEAD_B, T0).columns()])
        session.commit()
        repo_decisions.insert_decisions(session, [row(LEAD_A, T0), row(LEAD_B, T0)])
        session.commit()
        stored = session.execute(select(Decision.id, Decision.lead_id).order_by(Decision.id))
        ids = [(decision_id, lead) for decision_id, lead in stored]
        assert len({decision_id for decision_id, _lead in ids}) == 5
        assert [lead for _id, lead in ids] == [LEAD_A, LEAD_B, LEAD_B, LEAD_A, LEAD_B]
        heads = {h.lead_id: h.decision_id for h in session.scalars(select(DecisionHead))}
        assert heads == {LEAD_A: ids[3][0], LEAD_B: ids[4][0]}


def test_no_count_draws_nothing(engine: Engine) -> None:
    with Session(engine) as session:
        assert reserve_ids(session, DECISIONS, 0) == []


ON_POSTGRESQL = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@ON_POSTGRESQL
def test_two_open_writers_never_draw_the_same_id(engine: Engine) -> None:
    with Session(engine) as first, Session(engine) as second:
        mine = reserve_ids(first, DECISIONS, 50)
        theirs = reserve_ids(second, DECISIONS, 50)
        assert len(set(mine) | set(theirs)) == 100
        assert mine == sorted(mine)


@ON_SQLITE
def test_on_sqlite_drawing_holds_the_write_lock_until_commit(engine: Engine) -> None:
    with Session(engine) as first, Session(engine) as second:
        reserve_ids(first, DECISIONS, 3)
        second.execute(text("PRAGMA busy_timeout=0"))
        with pytest.raises(OperationalError, match="locked"):
            second.execute(insert(DECISIONS), [row(LEAD_A, T0).columns()])
        second.rollback()
        first.commit()
        second.execute(insert(DECISIONS), [row(LEAD_A, T0).columns()])
        second.commit()
