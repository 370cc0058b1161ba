"""What every step of a run checks before it commits or writes: the lock, and the crash points.

The run (`app.run`) owns the sync lock; the pull and the handoff only need to know whether it was
lost, and where a test may kill the process. So they receive this guard, not the run itself.
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass, field

from app.errors import SyncLockLost, SyncStopped

# Named points where a test can make the process kill itself (SIGKILL, no clean-up), to prove a
# run converges after a crash anywhere. Only `handoff sync` arms them, from HANDOFF_CRASH_AT, so a
# stray variable can never kill the service or the demo.
CRASH_POINTS = (
    "after_pull_page",
    "after_pull",
    "after_decisions",
    "after_breach_steps",
    "before_write_chunk",
    "after_write_chunk",
)


STOPPED_MESSAGE = (
    "stopped at a safe point because the service is shutting down (SIGTERM); "
    "the next sync goes on from there"
)


@dataclass(frozen=True)
class RunGuard:
    """The lock's state and the armed crash point of one run."""

    # Set when the sync lock was lost mid-run (its lease could not be renewed): another sync may
    # have started, so steps stop before their next commit or write (`check_lock`).
    lock_lost: threading.Event = field(default_factory=threading.Event)
    # The crash point armed for this run (tests only; see CRASH_POINTS).
    crash_at: str | None = None
    # Set when the service is shutting down (SIGTERM): steps stop at the same safe points.
    stop: threading.Event = field(default_factory=threading.Event)

    def check_lock(self) -> None:
        """Stop the run if its lock was lost or the service is stopping; call before committing
        a page or writing, so what was committed is whole and the next sync goes on from it."""
        if self.stop.is_set():
            raise SyncStopped(STOPPED_MESSAGE)
        if self.lock_lost.is_set():
            raise SyncLockLost(
                "the sync lock was lost mid-run (its lease could not be renewed in time, "
                "usually a database too busy for too long); the run stopped where it was, "
                "and the next sync goes on from there"
            )

    def crash_point(self, name: str) -> None:
        """Kill this process at `name` when a test armed it (`crash_at`)."""
        assert name in CRASH_POINTS, name
        if self.crash_at == name:
            os.kill(os.getpid(), signal.SIGKILL)
