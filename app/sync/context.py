"""What every step of a sync run shares: settings, store, org client, rules, clock and counts.

The pull (`app.sync.pull`) and the handoff (`app.handoff`) are separate steps that meet only
here, so each can be tested alone with a context built by the test.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.errors import SyncLockLost
from app.settings import Settings
from rules import RuleSet
from sf_client import Identity, SalesforceClient

# Named points where a test can make the process kill itself (SIGKILL, no clean-up), to prove a
# run converges after a crash anywhere. Only `handoff sync` arms them, from HANDOFF_CRASH_AT, so a
# stray variable can never kill the service or the demo.
CRASH_POINTS = (
    "after_pull_page",
    "after_pull",
    "after_decisions",
    "before_write_chunk",
    "after_write_chunk",
)


@dataclass
class RunCounts:
    """The figures a run reports (stored as JSON on the run record)."""

    pulled: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    decided: int = 0
    qualified: int = 0
    held: int = 0
    held_by_field: dict[str, int] = field(default_factory=dict)
    promoted: int = 0
    reassigned: int = 0
    writeback_only: int = 0
    skipped_changed: int = 0
    written: int = 0
    failed: int = 0
    failed_permanently: int = 0
    queued_for_retry: int = 0
    api_calls: int = 0
    # on_breach steps recorded by kind and outcome (notify_queued, reassign_would, ...), and
    # breach notifications delivered by this run (sent, retrying, failed).
    breach_actions: dict[str, int] = field(default_factory=dict)
    notifications: dict[str, int] = field(default_factory=dict)
    # The org's daily API usage after the run (`used` of `max`), from Sforce-Limit-Info.
    api_usage: dict[str, int | None] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunContext:
    """Everything one run needs; built by `app.sync.run.run_sync`."""

    settings: Settings
    sessions: sessionmaker[Session]
    sf: SalesforceClient
    ruleset: RuleSet
    identity: Identity
    run_id: int
    dry_run: bool
    full: bool
    now: Callable[[], datetime]
    counts: RunCounts = field(default_factory=RunCounts)
    # Set when the sync lock was lost mid-run (its lease could not be renewed): another sync may
    # have started, so steps stop before their next commit or write (`check_lock`).
    lock_lost: threading.Event = field(default_factory=threading.Event)
    # The crash point armed for this run (tests only; see CRASH_POINTS).
    crash_at: str | None = None

    def check_lock(self) -> None:
        """Stop the run if its lock was lost; call before committing a page or writing."""
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
