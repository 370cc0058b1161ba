"""One sync at a time: threads, processes, a crashed holder, and the CLI's exit status 75."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from app.errors import ExitCode, SyncLocked
from app.store.models import SyncLock
from app.sync.lock import sync_lock

HOLDER = """
import sys
from app.store.db import make_engine
from app.sync.lock import sync_lock
with sync_lock(make_engine(sys.argv[1]), lease_seconds=60):
    print("held", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def holder(database_url: str) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock until its stdin closes (or it is killed)."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, database_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "held"
        yield process
        if process.poll() is None:
            process.kill()


class TestThreads:
    def test_a_second_sync_is_refused_while_the_first_holds_the_lock(self, engine: Engine) -> None:
        inside, release = threading.Event(), threading.Event()

        def first() -> None:
            with sync_lock(engine, lease_seconds=60):
                inside.set()
                release.wait()

        thread = threading.Thread(target=first)
        thread.start()
        try:
            assert inside.wait(timeout=30)
            with (
                pytest.raises(SyncLocked, match="already running"),
                sync_lock(engine, lease_seconds=60),
            ):
                pass
        finally:
            release.set()
            thread.join()

        with sync_lock(engine, lease_seconds=60) as held:  # free again once released
            assert held.holder


class TestProcesses:
    def test_another_process_holding_the_lock_refuses_this_one(
        self, engine: Engine, holder: subprocess.Popen[str]
    ) -> None:
        with pytest.raises(SyncLocked), sync_lock(engine, lease_seconds=60):
            pass

    def test_a_killed_holder_on_this_machine_frees_the_lock_at_once(
        self, engine: Engine, holder: subprocess.Popen[str]
    ) -> None:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        # SQLite: the holder's host and PID show its process is gone, so its lease is void;
        # PostgreSQL: the server dropped the advisory lock with the connection.
        with sync_lock(engine, lease_seconds=60) as mine:
            assert mine.holder

    def test_a_holder_on_another_machine_blocks_for_at_most_its_lease(self, engine: Engine) -> None:
        if engine.dialect.name != "sqlite":
            pytest.skip("the lease is SQLite's; PostgreSQL uses an advisory lock")
        now = datetime.now(UTC)
        with engine.begin() as connection:
            connection.execute(
                SyncLock.__table__.insert().values(  # type: ignore[attr-defined]
                    name="sync",
                    holder="other-host:4242:abcd1234",
                    acquired_at=now,
                    expires_at=now + timedelta(seconds=60),
                )
            )
        with pytest.raises(SyncLocked), sync_lock(engine, lease_seconds=60):
            pass
        later = now + timedelta(seconds=61)
        with sync_lock(engine, lease_seconds=60, clock=lambda: later) as mine:
            assert mine.holder

    def test_the_cli_exits_75_with_one_line(
        self, database_url: str, holder: subprocess.Popen[str], tmp_path: Path
    ) -> None:
        env = {
            **os.environ,
            "HANDOFF_DATABASE_URL": database_url,
            "HANDOFF_RULES": str(tmp_path / "rules.yaml"),
            "SF_INSTANCE_URL": "https://127.0.0.1:9",
            "SF_ACCESS_TOKEN": "not-used",
        }
        done = subprocess.run(
            [str(Path(sys.executable).parent / "handoff"), "sync"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == ExitCode.LOCKED
        assert done.stderr.strip().splitlines() == [
            "error: a sync is already running (another process or replica holds the lock)"
        ]


class TestLease:
    def test_the_lease_row_is_taken_and_released(self, engine: Engine) -> None:
        if engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL holds an advisory lock, not a row")
        now = datetime(2026, 10, 1, tzinfo=UTC)
        with (
            sync_lock(engine, lease_seconds=90, clock=lambda: now) as holder,
            engine.connect() as c,
        ):
            row = c.execute(select(SyncLock.holder, SyncLock.expires_at)).one()
            assert row.holder == holder.holder
            assert row.expires_at.replace(tzinfo=UTC) == now + timedelta(seconds=90)
        with engine.connect() as c:
            assert c.execute(select(SyncLock)).all() == []

    def test_the_heartbeat_renews_the_lease_while_the_sync_runs(self, engine: Engine) -> None:
        if engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL holds an advisory lock, not a row")
        ticks = iter(range(1_000_000))

        def clock() -> datetime:  # every reading is a second later
            return datetime(2026, 10, 1, tzinfo=UTC) + timedelta(seconds=next(ticks))

        renewed = threading.Event()
        with sync_lock(engine, lease_seconds=3, clock=clock):
            first = self._expiry(engine)
            for _ in range(200):  # the heartbeat runs every second; give it plenty of time
                if self._expiry(engine) > first:
                    renewed.set()
                    break
                renewed.wait(0.1)
        assert renewed.is_set()

    @staticmethod
    def _expiry(engine: Engine) -> datetime:
        with engine.connect() as c:
            return c.execute(select(SyncLock.expires_at)).scalar_one()

    def test_a_lease_taken_over_by_another_holder_is_reported_lost(self, engine: Engine) -> None:
        if engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL holds an advisory lock, not a row")
        with sync_lock(engine, lease_seconds=3) as held:
            with engine.begin() as c:
                c.execute(update(SyncLock).values(holder="another-replica"))
            assert held.lost.wait(timeout=30)
