"""What the org's clock read: a lower bound on its time, from the `Date` header of its answers.

A sync's window over `SystemModstamp` is the org's time, not ours. Each answer's `Date` (whole
seconds, rounded down) less the time the request took is a moment, on the org's clock, at or
before which the org started serving it; anything asked after that answer starts later still.
So the latest such bound is a safe "the org had reached at least this" for the requests that
follow, whatever the difference between the two machines' clocks.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime


class OrgClock:
    """The latest lower bound seen on the org's time; safe across threads."""

    def __init__(self) -> None:
        self._floor: datetime | None = None
        self._lock = threading.Lock()

    def observe(self, date_header: str | None, elapsed_seconds: float) -> None:
        """Note an answer's `Date` header, received `elapsed_seconds` after its request left."""
        if not date_header:
            return
        try:
            answered = parsedate_to_datetime(date_header)
        except (TypeError, ValueError):
            return  # not an HTTP date: learn nothing from it
        if answered.tzinfo is None:
            return
        floor = answered.astimezone(UTC) - timedelta(seconds=max(0.0, elapsed_seconds))
        with self._lock:
            if self._floor is None or floor > self._floor:
                self._floor = floor

    def floor(self) -> datetime | None:
        """A time the org's clock had reached before any request sent from now on; None until
        an answer carried a `Date`."""
        with self._lock:
            return self._floor
