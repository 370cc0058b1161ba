"""The org's notion of "now": real time unless a test pins or advances it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class Clock:
    """Whole seconds since the epoch, UTC; Salesforce timestamps have one-second precision."""

    def __init__(self) -> None:
        self._pinned: int | None = None
        self._offset = 0
        self._lock = threading.Lock()

    def now(self) -> int:
        """The current org time in epoch seconds."""
        with self._lock:
            if self._pinned is not None:
                return self._pinned
            return int(time.time()) + self._offset

    def pin(self, at: datetime | int) -> None:
        """Stop the clock at `at` (aware datetime or epoch seconds) until advanced or released."""
        with self._lock:
            self._pinned = _seconds(at)

    def advance(self, seconds: int) -> None:
        """Move the clock forward; a pinned clock stays pinned at the later time."""
        with self._lock:
            if self._pinned is not None:
                self._pinned += seconds
            else:
                self._offset += seconds

    def release(self) -> None:
        """Run on real time again (keeping any offset added by `advance`)."""
        with self._lock:
            self._pinned = None

    def now_datetime(self) -> datetime:
        """The current org time as an aware datetime."""
        return datetime.fromtimestamp(self.now(), UTC)


def _seconds(at: datetime | int) -> int:
    if isinstance(at, datetime):
        if at.tzinfo is None:
            raise ValueError("pin the clock with an aware datetime")
        return int(at.timestamp())
    return int(at)
