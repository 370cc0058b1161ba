"""Reports kept from sync to sync: in line once, then the kept figures while a refresh runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.store.db import make_engine, make_sessionmaker
from app.store.migrate import upgrade
from app.ui.snapshots import Snapshot
from tests.app.api import builders as b


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'handoff.db'}")
    upgrade(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def _finish_a_run(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        run = b.sync_run(session, finished_at=b.T0)
        session.commit()
        return run.id


def test_kept_until_a_run_finishes_then_refreshed_off_the_request(
    sessions: sessionmaker[Session],
) -> None:
    computed: list[int] = []

    def compute(session: Session) -> int:
        computed.append(1)
        return len(computed)

    snapshot = Snapshot(compute, sessions)
    with sessions() as session:
        first = snapshot.get(session)
        assert (first.value, first.as_of_run, first.refreshing) == (1, None, False)
        assert snapshot.get(session).value == 1  # nothing finished since: kept
        run_id = _finish_a_run(sessions)
        stale = snapshot.get(session)
        assert (stale.value, stale.refreshing) == (1, True)
        snapshot.wait()
        fresh = snapshot.get(session)
        assert (fresh.value, fresh.as_of_run, fresh.refreshing) == (2, run_id, False)
    assert len(computed) == 2


def test_a_failed_refresh_keeps_the_figures_and_tries_again(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    answers: list[int | Exception] = [1, RuntimeError("database went away"), 3]

    def compute(session: Session) -> int:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    snapshot = Snapshot(compute, sessions)
    with sessions() as session:
        assert snapshot.get(session).value == 1
        _finish_a_run(sessions)
        assert snapshot.get(session).value == 1
        snapshot.wait()
        assert "recomputing a dashboard report failed" in caplog.text
        assert snapshot.get(session).value == 1  # kept, and a new refresh started
        snapshot.wait()
        assert snapshot.get(session).value == 3
