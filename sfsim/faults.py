"""Failures a test or benchmark can switch on, as a real org produces them."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Faults:
    """Fault switches; the Org lock guards them.

    - `latency_ms`: added to every call (real orgs answer in tens of milliseconds).
    - `unavailable`: the next K calls answer 503 with an HTML body.
    - `expire_after`: after N more authenticated calls every issued token stops working.
    - `lock_share`: that share of Collections records fails once with UNABLE_TO_LOCK_ROW.
    - `query_timeouts`: the next K queries answer QUERY_TIMEOUT.
    - `api_max` / `api_used`: the daily allocation; calls past it get REQUEST_LIMIT_EXCEEDED.
    - `per_app_max`: when set, the limit header also carries the connected app's own usage
      (`per-app-api-usage=N/M(appName=handoff)`), counted in `per_app_used`.
    - `rotate_refresh`: Refresh Token Rotation: each refresh answers with a new refresh token
      and a reused old one revokes the whole token family.
    - `short_ids`: the token answer's `id` URL carries 15-character Ids.
    - `absolute_next_urls`: `nextRecordsUrl` comes back as an absolute URL.
    - `expire_cursors`: the next K queryMore calls answer INVALID_QUERY_LOCATOR (an idle
      cursor's 15 minutes passed, or the user opened more than 10).
    - `in_list_timeout_over`: a query whose IN list names more than N Ids answers
      QUERY_TIMEOUT (a busy org times out wide selective queries).
    - `bulk_polls`: state reads a Bulk query job answers InProgress before it completes.
    - `bulk_failures`: the next K Bulk query jobs end Failed instead of completing.
    """

    latency_ms: int = 0
    unavailable: int = 0
    expire_after: int | None = None
    lock_share: float = 0.0
    query_timeouts: int = 0
    api_max: int = 100_000
    api_used: int = 0
    per_app_max: int | None = None
    per_app_used: int = 0
    rotate_refresh: bool = False
    short_ids: bool = False
    absolute_next_urls: bool = False
    expire_cursors: int = 0
    in_list_timeout_over: int | None = None
    bulk_polls: int = 1
    bulk_failures: int = 0
    _drawn: set[str] = field(default_factory=set, repr=False)
    _rng: random.Random = field(default_factory=lambda: random.Random(0), repr=False)

    def take_unavailable(self) -> bool:
        """True (and one fewer left) if this call should answer 503."""
        if self.unavailable <= 0:
            return False
        self.unavailable -= 1
        return True

    def take_expiry(self) -> bool:
        """Count an authenticated call; True when the tokens expire now."""
        if self.expire_after is None:
            return False
        if self.expire_after <= 0:
            self.expire_after = None
            return True
        self.expire_after -= 1
        return False

    def take_query_timeout(self) -> bool:
        """True (and one fewer left) if this query should time out."""
        if self.query_timeouts <= 0:
            return False
        self.query_timeouts -= 1
        return True

    def times_out(self, soql: str) -> bool:
        """True if this query should time out: one of the next K, or an IN list too wide."""
        if self.in_list_timeout_over is not None:
            quoted_ids = soql.count("'") // 2
            if quoted_ids > self.in_list_timeout_over:
                return True
        return self.take_query_timeout()

    def take_cursor_expiry(self) -> bool:
        """True (and one fewer left) if this queryMore finds its cursor gone."""
        if self.expire_cursors <= 0:
            return False
        self.expire_cursors -= 1
        return True

    def take_bulk_failure(self) -> bool:
        """True (and one fewer left) if this Bulk query job should fail."""
        if self.bulk_failures <= 0:
            return False
        self.bulk_failures -= 1
        return True

    def lock_fails(self, record_id: str) -> bool:
        """True on the first write of a record drawn into the lock share; each record is drawn
        once, so a retry of the failed records goes through."""
        if self.lock_share <= 0 or record_id in self._drawn:
            return False
        self._drawn.add(record_id)
        return self._rng.random() < self.lock_share

    def over_limit(self) -> bool:
        """True when the daily allocation is used up."""
        return self.api_used >= self.api_max

    def reset(self) -> None:
        """Switch every fault off (usage is kept)."""
        self.latency_ms = self.unavailable = self.query_timeouts = self.bulk_failures = 0
        self.expire_cursors = 0
        self.bulk_polls = 1
        self.expire_after = self.per_app_max = self.in_list_timeout_over = None
        self.rotate_refresh = self.short_ids = self.absolute_next_urls = False
        self.lock_share = 0.0
        self._drawn.clear()
