"""Reports kept from sync to sync: computed off the request, the kept figures while a refresh runs,
nothing (the page says "being computed") when none are kept and they take long."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.store.db import make_engine, make_sessionmaker
from app.store.migrate import upgrade
from app.ui.snapshots import Kept, Snapshot
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

    def compute(session: Session, key: Hashable) -> int:
        computed.append(1)
        return len(computed)

    snapshot = Snapshot(compute, sessions)
    with sessions() as session:
        first = snapshot.get(session)  # quick to compute: there within the first view's wait
        assert first is not None
        assert (first.value, first.as_of_run, first.refreshing) == (1, None, False)
        assert _value(snapshot.get(session)) == 1  # nothing finished since: kept
        run_id = _finish_a_run(sessions)
        stale = snapshot.get(session)
        assert stale is not None
        assert (stale.value, stale.refreshing) == (1, True)
        snapshot.wait()
        fresh = snapshot.get(session)
        assert fresh is not None
        assert (fresh.value, fresh.as_of_run, fresh.refreshing) == (2, run_id, False)
    assert len(computed) == 2


def test_a_failed_refresh_keeps_the_figures_and_tries_again(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    answers: list[int | Exception] = [1, RuntimeError("database went away"), 3]

    def compute(session: Session, key: Hashable) -> int:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    snapshot = Snapshot(compute, sessions)
    with sessions() as session:
        assert _value(snapshot.get(session)) == 1
        _finish_a_run(sessions)
        assert _value(snapshot.get(session)) == 1
        snapshot.wait()
        assert "recomputing a dashboard report failed" in caplog.text
        assert _value(snapshot.get(session)) == 1  # kept, and a new refresh started
        snapshot.wait()
        assert _value(snapshot.get(session)) == 3


def _value(kept: Kept[int] | None) -> int:
    assert kept is not None
    return kept.value


def test_a_slow_first_computation_gives_no_figures_yet_and_never_blocks_the_view(
    sessions: sessionmaker[Session],
) -> None:
    release = threading.Event()

    def compute(session: Session, key: Hashable) -> str:
        release.wait(10)
        return f"figures for {key}"

    snapshot = Snapshot(compute, sessions)
    with sessions() as session:
        assert snapshot.get(session, "v1") is None  # waited its short budget, then answered
        assert snapshot.get(session, "v1") is None  # the same computation is still running
        release.set()
        snapshot.wait()
        assert _value_of(snapshot.get(session, "v1")) == "figures for v1"


def test_other_rules_are_computed_afresh_and_warm_computes_before_any_view(
    sessions: sessionmaker[Session],
) -> None:
    keys: list[Hashable] = []

    def compute(session: Session, key: Hashable) -> str:
        keys.append(key)
        return f"figures for {key}"

    snapshot = Snapshot(compute, sessions)
    run_id = _finish_a_run(sessions)
    snapshot.warm("v1")
    snapshot.wait()
    with sessions() as session:
        kept = snapshot.get(session, "v1")
        assert kept is not None
        assert (kept.value, kept.as_of_run) == ("figures for v1", run_id)
        snapshot.wait()
        assert _value_of(snapshot.get(session, "v2")) == "figures for v2"  # not v1's figures
    assert keys == ["v1", "v2"]


def _value_of(kept: Kept[str] | None) -> str:
    assert kept is not None
    return kept.value
