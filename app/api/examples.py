"""Example answers for the OpenAPI schema, so every endpoint shows what it returns."""

from __future__ import annotations

from typing import Any

Responses = dict[int | str, dict[str, Any]]


def documented(example: Any, csv_example: str | None = None, status: int = 200) -> Responses:
    """A `responses=` entry with a JSON example, and the CSV form when the endpoint has one."""
    content: dict[str, Any] = {"application/json": {"example": example}}
    if csv_example is not None:
        content["text/csv"] = {"schema": {"type": "string"}, "example": csv_example}
    return {status: {"content": content}}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"example": {"detail": description}}},
    }


# What every endpoint may answer besides its own statuses (README, "Operations").
UNAVAILABLE: Responses = {
    503: _problem("the database is unavailable; try again after `Retry-After` seconds")
}
KEYED: Responses = {
    401: _problem("no API key, or one that is not configured"),
    403: _problem("this endpoint needs an admin key"),
    413: _problem("the request body is over 262144 bytes"),
    429: _problem("too many failed API key attempts from this client; see `Retry-After`"),
    **UNAVAILABLE,
}

_SEGMENT = {
    "closed": 300,
    "won": 54,
    "lost": 246,
    "win_rate": 0.18,
    "won_amount": 540000.0,
    "lost_amount": 2460000.0,
    "win_rate_95": {"low": 0.1409, "high": 0.227},
}

WIN_LOSS_EXAMPLE = {
    "from": "2026-07-01",
    "to": "2026-09-30",
    "all": _SEGMENT,
    "excluding_mql": {**_SEGMENT, "closed": 200, "won": 26, "lost": 174, "win_rate": 0.13},
    "mql_only": {**_SEGMENT, "closed": 100, "won": 28, "lost": 72, "win_rate": 0.28},
    "difference_pp": 5.0,
    "mql_vs_non_mql_pp": {"difference_pp": 15.0, "z": 3.07, "p_value": 0.0021},
    "mql_evidence": {"history": 40, "ours": 60},
    "methods": {"interval": "Wilson score interval, 95%"},
    "group_by": None,
    "groups": None,
}

_COUNTS = {"mql_open": 12, "pending": 3, "met": 6, "breached": 2, "stale": 1, "mql_at_unknown": 0}

STATUS_EXAMPLE = {
    **_COUNTS,
    "as_of": "2026-11-23T18:00:00Z",
    "since": "2026-10-24T18:00:00Z",
    "sla_hours": 24,
    "sla_clock": "calendar",
    "sla_calendar": None,
    "sla": {"first_touch_hours": 24, "stale_days": 14, "clock": "calendar", "calendar": None},
    "median_hours_to_first_touch": 5.5,
    "p90_hours_to_first_touch": 30.0,
    "acceptance_rate": 0.75,
    "acceptance": {"accepted": 12, "converted": 3, "rejected": 5, "other_exits": 1, "rate": 0.75},
    "methods": {"sla_state": "first match of stale, pending, met, breached"},
    "by_owner": [
        {
            **_COUNTS,
            "owner_id": "005000000000001AAA",
            "owner_name": "Ada Rep",
            "median_hours_to_first_touch": 5.5,
            "p90_hours_to_first_touch": 30.0,
            "acceptance_rate": 0.75,
        }
    ],
}

LEADS_EXAMPLE = {
    "items": [
        {
            "lead_id": "00Q000000000001AAA",
            "owner_id": "005000000000001AAA",
            "owner_name": "Ada Rep",
            "mql_at": "2026-11-21T09:00:00Z",
            "first_touch_at": None,
            "hours_to_first_touch": None,
            "sla": "breached",
            "due_at": "2026-11-23T14:00:00Z",
            "target": "default",
            "target_hours": 24,
            "fit": 60,
            "interest": 40,
        }
    ],
    "next_cursor": "WyIyMDI2LTExLTIzVDE4OjAwOjAwKzAwOjAwIiwwLCIuLi4iXQ",
}

_BREACH_GROUP = {
    "key": "005000000000001AAA",
    "label": "Ada Rep",
    "breaches": 3,
    "actions": {"notify_done": 3, "reassign_done": 1},
    "followed_by_touch": 2,
    "median_hours_action_to_first_touch": 1.5,
}
BREACHES_EXAMPLE = {
    "from": "2026-10-24T18:00:00Z",
    "to": "2026-11-23T18:00:00Z",
    "breaches": 3,
    "by_owner": [_BREACH_GROUP],
    "by_target": [{**_BREACH_GROUP, "key": "default", "label": None}],
    "actions": [
        {
            "id": 17,
            "lead_id": "00Q000000000001AAA",
            "step": 0,
            "kind": "notify",
            "state": "done",
            "dry_run": False,
            "owner_id": "005000000000001AAA",
            "owner_name": "Ada Rep",
            "target": "default",
            "mql_at": "2026-11-20T22:00:00Z",
            "due_at": "2026-11-23T17:30:00Z",
            "step_at": "2026-11-23T17:30:00Z",
            "acted_at": "2026-11-23T17:35:02Z",
            "detail": {"webhook_env": "HANDOFF_BREACH_WEBHOOK"},
            "delivery": "sent",
            "delivery_attempts": 1,
            "delivery_error": None,
            "first_touch_at": "2026-11-23T19:05:00Z",
            "hours_action_to_first_touch": 1.4994,
        }
    ],
    "actions_truncated": False,
    "methods": {
        "breaches": "MQL stays due in the window whose first touch came late or not at all"
    },
}

_MONTH = {
    "month": "2026-07",
    "leads": 1200,
    "mql": 300,
    "accepted": 210,
    "opportunity": 90,
    "won": 25,
    "lead_to_mql": 0.25,
    "mql_to_accepted": 0.7,
    "accepted_to_opportunity": 0.4286,
    "opportunity_to_won": 0.2778,
}

FUNNEL_EXAMPLE = {
    "from": "2026-07-01",
    "to": "2026-07-31",
    "months": [_MONTH],
    "total": {**_MONTH, "month": None},
}

RULES_REPORT_EXAMPLE = {
    "rules_version": "7",
    "rules_hash": "9f2c...e1",
    "leads_decided": 5000,
    "rules": [
        {
            "rule": "fit[0]",
            "leads_matched": 800,
            "mql": 300,
            "converted": 60,
            "closed": 40,
            "won": 12,
            "win_rate": 0.3,
        }
    ],
    "held_by_missing_field": {"Phone": 42},
}
