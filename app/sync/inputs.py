"""What the pull step needs from the run: the store, the org, the clock, its window settings.

Built by `app.run` from the settings and the run record, so the pull never sees the rest of the
run (the rules' decisions, the write cap) and a test builds one in a line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from app.run_guard import RunGuard
from rules import RuleSet
from sf_client import SalesforceClient


@dataclass(frozen=True)
class PullInputs:
    """One pull's inputs."""

    sessions: sessionmaker[Session]
    sf: SalesforceClient
    ruleset: RuleSet
    now: Callable[[], datetime]
    # Read every object from the start (`handoff sync --full`) rather than from its watermark.
    full: bool = False
    lookback_seconds: int = 60
    batch_size: int = 2000
    # A full read of more records than this goes on through a Bulk API 2.0 query job; 0: never.
    bulk_threshold: int = 2000
    guard: RunGuard = field(default_factory=RunGuard)
