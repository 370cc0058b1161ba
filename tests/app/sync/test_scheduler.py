"""The scheduler: one coalescing job with a stable id, off at interval 0, quiet about the lock."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import pytest

from app.errors import SyncLocked
from app.scheduler import JOB_ID, build_scheduler, guarded
from app.settings import Settings


def _settings(interval: int) -> Settings:
    return Settings(_env_file=None, sync_interval=interval)  # type: ignore[call-arg]


class TestBuildScheduler:
    def test_is_none_when_the_interval_is_zero(self) -> None:
        assert build_scheduler(_settings(0), lambda: None) is None

    def test_has_one_interval_job_that_never_overlaps(self) -> None:
        scheduler = build_scheduler(_settings(300), lambda: None)
        assert scheduler is not None

        (job,) = scheduler.get_jobs()

        assert job.id == JOB_ID
        assert job.max_instances == 1
        assert job.coalesce is True
        assert job.trigger.interval.total_seconds() == 300

    def test_runs_the_job_once_started(self) -> None:
        ran = threading.Event()
        scheduler = build_scheduler(_settings(3600), ran.set)
        assert scheduler is not None
        scheduler.start()
        try:
            scheduler.get_job(JOB_ID).modify(next_run_time=datetime.now(UTC))
            assert ran.wait(timeout=30)
        finally:
            scheduler.shutdown(wait=True)


class TestGuarded:
    def test_a_held_lock_is_logged_as_info(self, caplog: pytest.LogCaptureFixture) -> None:
        def locked() -> None:
            raise SyncLocked("a sync is already running")

        with caplog.at_level(logging.INFO, logger="app.scheduler"):
            guarded(locked)()

        assert [r.levelname for r in caplog.records] == ["INFO"]
        assert "already running" in caplog.text

    def test_other_failures_are_logged_as_errors_and_do_not_escape(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        def broken() -> None:
            raise RuntimeError("boom")

        with caplog.at_level(logging.INFO, logger="app.scheduler"):
            guarded(broken)()

        assert [r.levelname for r in caplog.records] == ["ERROR"]
