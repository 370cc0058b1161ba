"""Migration 0010 (shadow decisions, shadow round robin, backtest jobs) goes down and up again,
keeping the decisions, on both databases."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, select

from app.store.db import make_sessionmaker
from app.store.migrate import schema_state
from app.store.models import DecisionRecord
from tests.app.api import builders as b
from tests.app.reports.test_episode_owner import _migrate, alembic  # noqa: F401


def test_down_and_up_keeps_decisions(engine: Engine, alembic) -> None:  # noqa: F811
    with make_sessionmaker(engine)() as session:
        lead = b.lead(session)
        b.decision(session, lead.id, shadow=True)
        session.commit()

    _migrate(engine, alembic, "downgrade", "0008")
    tables = set(inspect(engine).get_table_names())
    columns = {c["name"] for c in inspect(engine).get_columns("decisions")}
    _migrate(engine, alembic, "upgrade", "head")

    assert not {"backtest_jobs", "round_robin_shadow"} & tables
    assert "shadow" not in columns
    assert schema_state(engine).up_to_date
    with make_sessionmaker(engine)() as session:
        # the column comes back with its default: decisions made before it were not shadow ones
        assert session.scalars(select(DecisionRecord.shadow)).all() == [False]
