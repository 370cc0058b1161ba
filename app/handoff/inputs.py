"""What the handoff step needs from the run: the store, the org, the rules, the clock, its limits.

Built by `app.run` from the settings, the identity and the run record; the handoff never sees the
pull or the run record itself.
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
class HandoffInputs:
    """One handoff's inputs."""

    sessions: sessionmaker[Session]
    sf: SalesforceClient
    ruleset: RuleSet
    # Where the rules came from, for the messages of the check against the org.
    rules_source: str
    integration_user_id: str
    now: Callable[[], datetime]
    run_id: int | None
    dry_run: bool
    go_live_after: datetime | None
    max_writes_per_run: int
    write_concurrency: int
    guard: RunGuard = field(default_factory=RunGuard)
    # HANDOFF_WRITE_MODE=shadow: a dry run that decides and records as live would, with its own
    # round-robin turns, so GET /reports/shadow can compare it with what the org did.
    shadow: bool = False
    # `handoff sync --full`: every open lead is read to choose the ones to decide, not only
    # those changed since the last completed run.
    full: bool = False
