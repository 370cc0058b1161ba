"""What a pull did: records stored and records deleted per object, and notes for the run record.

The pull step fills its own report and returns it; `app.run` merges it with the handoff's into
the run record, so no step writes into another's figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PullReport:
    """One pull's figures, per Salesforce object."""

    pulled: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    # Things a person should know about the pull (a missed deletion window, unreadable history).
    notes: list[str] = field(default_factory=list)
    # Queries started again from their watermark after INVALID_QUERY_LOCATOR (pushback).
    cursor_restarts: int = 0

    def count_stored(self, sobject: str, stored: int, deleted: int) -> None:
        """A page of `stored` records, `deleted` of them soft-deleted."""
        self.pulled[sobject] = self.pulled.get(sobject, 0) + stored
        self.count_deleted(sobject, deleted)

    def count_deleted(self, sobject: str, deleted: int) -> None:
        if deleted:
            self.deleted[sobject] = self.deleted.get(sobject, 0) + deleted
