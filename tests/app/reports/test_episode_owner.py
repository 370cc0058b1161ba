"""Acceptance by owner reads the owner stored on each exit; migration 0004 backfills it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from app.reports.handoff import handoff_status
from app.reports.models import SlaSettings
from app.store.db import make_sessionmaker
from app.store.migrate import MIGRATIONS, schema_state
from app.store.models import MqlEpisode
from tests.app.api import builders as b
from tests.fakes import org as fake
from tests.fakes.org import MQL

SLA = SlaSettings(first_touch_hours=24, stale_days=14)
NOW = b.T0
D = timedelta(days=1)


def test_exits_count_for_the_owner_they_ended_with(session: Session) -> None:
    ada, bo = b.user(session, "Ada Rep"), b.user(session, "Bo Rep")
    for to_status in (b.ACCEPTED, b.REJECTED):
        # MQL before the window (so Bo has no first touch in it), Ada's answer inside it.
        org = b.records()
        lead = b.mql_records(
            org, mql_at=NOW - 40 * D, left_at=NOW - 2 * D, to_status=to_status, OwnerId=ada.id,
            by=ada.id,
        )  # fmt: skip
        b.store(session, org)  # Ada decided it
        fake.change(lead, NOW - D, OwnerId=bo.id)  # then it was reassigned to Bo
        b.store(session, org)
    session.commit()

    status = handoff_status(session, as_of=NOW, since=NOW - 30 * D, sla=SLA)

    assert [(row.owner_name, row.acceptance_rate) for row in status.by_owner] == [("Ada Rep", 0.5)]
    assert (status.acceptance.accepted, status.acceptance.rejected) == (1, 1)


@pytest.fixture
def alembic(engine: Engine) -> Iterator[Config]:
    """Alembic on the test database; leaves it at the newest revision, as it found it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    yield config
    _migrate(engine, config, "upgrade", "head")


def _migrate(engine: Engine, config: Config, step: str, target: str) -> None:
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, step)(config, target)


def test_migration_backfills_ended_episodes_and_downgrades(engine: Engine, alembic: Config) -> None:
    with make_sessionmaker(engine)() as session:
        # One pull sees it in MQL and accepted, the next back in MQL: an ended stay, an open one.
        org = b.records()
        lead = b.mql_records(
            org, mql_at=NOW - 9 * D, left_at=NOW - 2 * D, OwnerId="005000000000001AAA"
        )
        b.store(session, org)
        fake.history(org, lead["Id"], b.ACCEPTED, MQL, NOW - D)
        fake.change(lead, NOW - D, Status=MQL)
        b.store(session, org)
        session.commit()

    _migrate(engine, alembic, "downgrade", "0003")
    columns = {c["name"] for c in inspect(engine).get_columns("mql_episodes")}
    _migrate(engine, alembic, "upgrade", "head")

    assert "owner_id" not in columns
    assert schema_state(engine).up_to_date
    with make_sessionmaker(engine)() as session:
        query = select(MqlEpisode.ended_kind, MqlEpisode.owner_id).order_by(MqlEpisode.id)
        assert [tuple(row) for row in session.execute(query)] == [
            ("accepted", "005000000000001AAA"),
            (None, None),
        ]
