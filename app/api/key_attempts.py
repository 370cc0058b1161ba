"""Failed API key attempts, slowed per client with a small token bucket and counted for /metrics.

Keys are long and compared in constant time, so guessing one is hopeless; the bucket still makes
a guessing client visible and cheap to serve. Each client (its address as the server sees it;
behind a proxy, the proxy's) may fail `CAPACITY` times in a burst and then once per
`SECONDS_PER_TOKEN`. An emptied bucket refuses every key from that client, right or wrong, with
429 and `Retry-After` until a token is back: answering a right key then would tell a guesser it
had found one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, Metric

CAPACITY = 10
SECONDS_PER_TOKEN = 1.0
# Clients remembered at once; full (forgiven) buckets are dropped first when there are more.
MAX_CLIENTS = 10_000


@dataclass
class _Bucket:
    tokens: float
    at: float


class KeyAttempts:
    """Per-client buckets of failed attempts, and the counts `/metrics` shows."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, capacity: int = CAPACITY
    ) -> None:
        self._clock = clock
        self.capacity = capacity
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self.failures = 0
        self.refused = 0

    def wait_seconds(self, client: str) -> int:
        """0 when `client` may try a key now; else whole seconds until it may (and count it)."""
        with self._lock:
            bucket = self._refilled(client)
            if bucket is None or bucket.tokens >= 1:
                return 0
            self.refused += 1
            return max(1, math.ceil((1 - bucket.tokens) * SECONDS_PER_TOKEN))

    def failed(self, client: str) -> None:
        """`client` sent a key that is not ours: take a token."""
        with self._lock:
            self.failures += 1
            bucket = self._refilled(client) or self._new(client)
            bucket.tokens = max(0.0, bucket.tokens - 1)

    def collect(self) -> Iterator[Metric]:
        """Prometheus collector protocol: the two counters."""
        failures = CounterMetricFamily(
            "handoff_api_key_failures", "Requests with an API key that is not configured"
        )
        failures.add_metric([], self.failures)
        refused = CounterMetricFamily(
            "handoff_api_key_throttled",
            "Requests refused with 429 because their client failed too many key attempts",
        )
        refused.add_metric([], self.refused)
        yield failures
        yield refused

    def _refilled(self, client: str) -> _Bucket | None:
        bucket = self._buckets.get(client)
        if bucket is None:
            return None
        now = self._clock()
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) / SECONDS_PER_TOKEN)
        bucket.at = now
        return bucket

    def _new(self, client: str) -> _Bucket:
        if len(self._buckets) >= MAX_CLIENTS:
            self._forget_full()
        bucket = _Bucket(tokens=self.capacity, at=self._clock())
        self._buckets[client] = bucket
        return bucket

    def _forget_full(self) -> None:
        for client in list(self._buckets):
            if self._refilled(client) is not None and self._buckets[client].tokens >= self.capacity:
                del self._buckets[client]
        while len(self._buckets) >= MAX_CLIENTS:  # all still emptied: forget the oldest
            del self._buckets[next(iter(self._buckets))]
