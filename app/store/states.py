"""The states a stored decision's write goes through, named once for the store and the handoff.

Stored as their string values, so the column, the API and the audit trail read as before.
"""

from __future__ import annotations

from enum import StrEnum


class WriteState(StrEnum):
    """Where a decision's write stands."""

    # Nothing to write (the org already holds it, or a dry run).
    NONE = "none"
    # Owed: decided in a live run, not yet sent.
    PENDING = "pending"
    # Owed again: the last attempt failed with an error that clears by itself.
    RETRYING = "retrying"
    WRITTEN = "written"
    # A record error that needs a person; not retried.
    FAILED = "failed"
    # Over HANDOFF_MAX_WRITES_PER_RUN: nothing of the run was written.
    CAPPED = "capped"
    # A person changed the lead between our read and our write; decided again.
    SKIPPED_CHANGED = "skipped_changed"
    # A newer decision for the same lead took over the write.
    SUPERSEDED = "superseded"


# The states that still owe the org a write.
OWED = (WriteState.PENDING, WriteState.RETRYING)
