"""How long to wait before sending a failed request again, and when to stop trying.

Exponential backoff with jitter keeps several workers from retrying in lock-step; the caps on
attempts and on the total time spent waiting keep one sick endpoint from stalling a run.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounds for retrying transient failures (timeouts, 420/429/5xx, busy org, locked rows).

    `max_attempts` counts the first try. `max_total_delay` bounds the seconds spent sleeping
    between tries of one request; the request timeouts themselves are the HTTP client's.
    `lock_row_rounds` is how many chunks a record failing with UNABLE_TO_LOCK_ROW may ride in.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_total_delay: float = 60.0
    lock_row_rounds: int = 3
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.lock_row_rounds < 1:
            raise ValueError("max_attempts and lock_row_rounds must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_total_delay < 0:
            raise ValueError("delays cannot be negative")

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed try number `attempt` (1-based).

        Half the exponential step is fixed and half is random ("equal jitter"), so waits
        grow reliably but spread out. A server's Retry-After wins, within `max_delay`.
        """
        if retry_after is not None:
            return min(self.max_delay, retry_after)
        step = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return step / 2 + self.random() * step / 2

    def allows(self, attempt: int, waited: float, next_delay: float) -> bool:
        """Whether another try fits the budget after `attempt` tries and `waited` seconds."""
        return attempt < self.max_attempts and waited + next_delay <= self.max_total_delay
