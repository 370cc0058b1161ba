"""Example answers of the routing endpoints, for the OpenAPI schema (`/docs`)."""

from __future__ import annotations

from typing import Any

REP = "005000000000001AAA"
ABSENCE = {
    "id": 12, "user_id": REP, "user_name": "Sam Lee", "start": "2026-12-01T00:00:00Z",
    "end": "2026-12-09T00:00:00Z", "reason": "holiday", "source": "api",
}  # fmt: skip
AVAILABILITY_EXAMPLE: dict[str, Any] = {"items": [ABSENCE], "next_cursor": None}
LEDGER_EXAMPLE: dict[str, Any] = {
    "from": "2026-11-01T00:00:00Z",
    "to": "2026-12-01T00:00:00Z",
    "pools": [{
        "route": 0, "pool_key": "w3f1c0a9b2d4e6f70", "weighted": True, "assigned": 30, "held": 2,
        "members": [
            {"user_id": REP, "name": "Jane Doe", "weight": 2, "assigned": 20,
             "expected_share": 20.0, "difference": 0.0, "skipped": {"outside working hours": 4},
             "adjusted_turns": 0, "absences": []},
            {"user_id": "005000000000002AAA", "name": "Sam Lee", "weight": 1, "assigned": 10,
             "expected_share": 10.0, "difference": 0.0, "skipped": {"out of office": 3},
             "adjusted_turns": 1, "absences": [ABSENCE]},
        ],
    }],
}  # fmt: skip
ADJUST_EXAMPLE: dict[str, Any] = {
    "id": 3, "pool_key": "w3f1c0a9b2d4e6f70", "route": 0, "user_id": REP, "turns": 2,
    "reason": "was on a customer visit", "created_at": "2026-12-03T09:00:00Z",
}  # fmt: skip
MATCHING_EXAMPLE: dict[str, Any] = {
    "from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "decided": 120,
    "matched": 35, "matched_by_method": {"email_domain": 28, "website": 2, "company": 5},
    "unmatched": 85, "routed_to_account_owner": 31, "held": 3,
}  # fmt: skip
EVENTS_EXAMPLE: dict[str, Any] = {
    "items": [{
        "id": 1, "at": "2026-12-03T09:00:00Z", "actor": "admin:4f2a9c1e0b7d",
        "action": "availability.add", "subject": REP,
        "detail": {"absence_id": 12, "start": "2026-12-01T00:00:00+00:00",
                   "end": "2026-12-09T00:00:00+00:00", "reason": "holiday"},
    }],
    "next_cursor": None,
}  # fmt: skip
