"""The in-process scheduler of `handoff serve`: one sync job every HANDOFF_SYNC_INTERVAL seconds.

APScheduler 3's BackgroundScheduler, one interval job with a stable id, never two instances at
once and missed runs coalesced into one. The job calls the same `run_sync` as the CLI; another
replica holding the lock is normal with several replicas, so `SyncLocked` is logged as info.
The API owns the lifecycle: it starts the scheduler in the FastAPI lifespan and shuts it down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from app.errors import SyncLocked
from app.settings import Settings

log = logging.getLogger(__name__)

JOB_ID = "handoff-sync"
OUTBOX_JOB_ID = "handoff-outbox"


def guarded(job: Callable[[], object]) -> Callable[[], None]:
    """The job as the scheduler runs it: a held lock is news, any other failure is logged."""

    def run() -> None:
        try:
            job()
        except SyncLocked as locked:
            log.info("scheduled sync skipped: %s", locked)
        except Exception:
            log.exception("scheduled sync failed")

    return run


def build_scheduler(
    settings: Settings,
    job: Callable[[], object],
    deliver: Callable[[], object] | None = None,
) -> BackgroundScheduler | None:
    """A scheduler with the sync job, not yet started; None when the interval is 0 (off).

    `deliver` sends due breach notifications from the outbox every HANDOFF_OUTBOX_INTERVAL
    seconds, so a retry does not wait for the next sync.
    """
    if settings.sync_interval == 0:
        return None
    scheduler = BackgroundScheduler(timezone="UTC")
    if deliver is not None and settings.outbox_interval:
        scheduler.add_job(
            guarded(deliver),
            trigger="interval",
            seconds=settings.outbox_interval,
            id=OUTBOX_JOB_ID,
            name="breach notifications",
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )
    scheduler.add_job(
        guarded(job),
        trigger="interval",
        seconds=settings.sync_interval,
        id=JOB_ID,
        name="sync",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
        misfire_grace_time=settings.sync_interval,
    )
    return scheduler
