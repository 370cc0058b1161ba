"""What a handoff did: leads decided, qualified and held, and what became of the writes.

The handoff step fills its own report and returns it; `app.run` merges it with the pull's into
the run record. Only this module changes the figures, through the methods below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.handoff.plan import write_kind


@dataclass
class HandoffReport:
    """One handoff's figures."""

    # Open leads read to choose the ones to decide: those changed since the last completed run
    # of the mode (and the heads to decide again), or every open lead (`app.handoff.select`).
    considered: int = 0
    decided: int = 0
    qualified: int = 0
    held: int = 0
    held_by_field: dict[str, int] = field(default_factory=dict)
    promoted: int = 0
    # Leads held for want of an available owner (they keep their status; decided again next run).
    waiting_for_owner: int = 0
    reassigned: int = 0
    skipped_changed: int = 0
    written: int = 0
    failed: int = 0
    failed_permanently: int = 0
    # Writes the org refused for good this run, by Salesforce's error code.
    failed_by_code: dict[str, int] = field(default_factory=dict)
    queued_for_retry: int = 0
    # Times the pre-write re-read timed out (QUERY_TIMEOUT) and was asked again in halves.
    reread_splits: int = 0
    # on_breach steps recorded by kind and outcome (notify_queued, reassign_would, ...), and
    # the breach notifications the run delivered (sent, retrying, failed).
    breach_actions: dict[str, int] = field(default_factory=dict)
    notifications: dict[str, int] = field(default_factory=dict)

    def count_decision(
        self, *, mql: bool, held_fields: list[str] | None, planned: Mapping[str, Any] | None,
        dry_run: bool,
    ) -> None:  # fmt: skip
        """One decision (writes are counted when they land, in live runs)."""
        self.decided += 1
        if mql or held_fields is not None:
            self.qualified += 1
        if held_fields is not None:
            self.held += 1
            for name in held_fields:
                self.held_by_field[name] = self.held_by_field.get(name, 0) + 1
        if dry_run and planned:
            self._count_kind(planned)

    def count_written(self, planned: Mapping[str, Any]) -> None:
        self.written += 1
        self._count_kind(planned)

    def count_failed(self, *, permanently: bool) -> None:
        self.failed += 1
        if permanently:
            self.failed_permanently += 1

    def count_refused(self, code: str) -> None:
        """A write the org refused with an error retrying cannot fix (counted failed already)."""
        self.failed_by_code[code] = self.failed_by_code.get(code, 0) + 1

    def count_breach_action(self, kind: str, outcome: str) -> None:
        name = f"{kind}_{outcome}"
        self.breach_actions[name] = self.breach_actions.get(name, 0) + 1

    def count_reread_split(self) -> None:
        self.reread_splits += 1

    def count_skipped_changed(self) -> None:
        self.skipped_changed += 1

    def _count_kind(self, planned: Mapping[str, Any]) -> None:
        if write_kind(planned) == "promoted":
            self.promoted += 1
        else:
            self.reassigned += 1
