"""Example answers of the backtest, calibration and shadow endpoints, for `/docs`."""

from __future__ import annotations

from typing import Any

_INTERVAL = {"low": 0.219, "high": 0.396}


def _group(leads: int, converted: int, closed: int, won: int) -> dict[str, Any]:
    return {
        "leads": leads,
        "converted": converted,
        "conversion_rate": converted / leads,
        "conversion_rate_95": {"low": 0.43, "high": 0.57},
        "closed": closed,
        "won": won,
        "win_rate": won / closed,
        "win_rate_95": _INTERVAL,
    }


_TEST = {"difference_pp": 20.0, "z": 4.38, "p_value": 1.2e-05, "significant": True}

BACKTEST_EXAMPLE: dict[str, Any] = {
    "from": "2026-01-01",
    "to": "2026-06-30",
    "leads": 400,
    "history": {"leads": 5000, "first_created": "2025-01-02", "last_created": "2026-11-30"},
    "notes": ["decided on each lead's field values as stored today, not as they were ..."],
    "verdict": "Candidate rules: 200 MQLs winning 30.0% of 100 closed, non-MQLs 10.0% of 200 "
    "(MQLs win more, p=1.2e-05); ...",
    "candidate": {
        "rules_version": "9",
        "rules_hash": "4be1...07",
        "mql": _group(200, 100, 100, 30),
        "non_mql": _group(200, 200, 200, 20),
        "mql_vs_non_mql": _TEST,
    },
    "current": None,
    "changes": None,
    "rules": [
        {
            "rules": "candidate",
            "rule": "fit[0]",
            "name": "Mid-market",
            "points": 30,
            "matched": _group(200, 100, 100, 30),
            "not_matched": _group(200, 200, 200, 20),
            "matched_vs_not": _TEST,
            "too_small": False,
        }
    ],
    "min_closed": 20,
    "methods": {"interval": "Wilson score interval, 95%"},
}

BACKTEST_JOB_EXAMPLE: dict[str, Any] = {
    "job": "9b2f0c4e5d6a4f1e8c3b7a9d0e1f2a3b",
    "state": "succeeded",
    "created_at": "2026-12-03T08:00:00Z",
    "finished_at": "2026-12-03T08:00:41Z",
    "leads": 1000000,
    "poll": "/rules/backtest/9b2f0c4e5d6a4f1e8c3b7a9d0e1f2a3b",
    "error": None,
    "result": BACKTEST_EXAMPLE,
}

_CHOICE = {
    "fit": 30,
    "interest": 0,
    "mql_per_month": 294.7,
    "mql": _group(300, 200, 200, 40),
    "non_mql": _group(100, 100, 100, 10),
    "mql_vs_non_mql": {"difference_pp": 10.0, "z": 2.19, "p_value": 0.0285, "significant": True},
}

CALIBRATION_EXAMPLE: dict[str, Any] = {
    "from": "2026-03-01",
    "to": "2026-03-31",
    "rules_version": "7",
    "leads": 400,
    "months": 1.018,
    "fit_deciles": [
        {"deciles": "1-3", "score_from": 0, "score_to": 0, "outcome": _group(100, 100, 100, 10)},
        {"deciles": "6-10", "score_from": 60, "score_to": 60, "outcome": _group(200, 100, 100, 30)},
    ],
    "interest_deciles": [
        {"deciles": "1-10", "score_from": 0, "score_to": 0, "outcome": _group(400, 300, 300, 50)}
    ],
    "current": _CHOICE,
    "target_mql_per_month": 300,
    "for_target": _CHOICE,
    "smallest_significant": _CHOICE,
    "notes": ["decided on each lead's field values as stored today, ..."],
    "methods": {"interval": "Wilson score interval, 95%"},
}

SHADOW_EXAMPLE: dict[str, Any] = {
    "from": "2026-11-01",
    "to": "2026-11-30",
    "leads": 1200,
    "agreed": 1104,
    "agreement_rate": 0.92,
    "agreement_rate_95": {"low": 0.904, "high": 0.934},
    "routes": [
        {
            "route": "North America",
            "leads": 300,
            "agreed": 270,
            "agreement_rate": 0.9,
            "agreement_rate_95": {"low": 0.861, "high": 0.929},
            "status_disagreements": 12,
            "owner_disagreements": 18,
        }
    ],
    "disagreements_total": 96,
    "disagreements": [
        {
            "lead_id": "00Q000000000042AAA",
            "route": "North America",
            "status_agrees": True,
            "owner_agrees": False,
            "ours": {
                "mql": True,
                "owner_id": "005000000000001AAA",
                "owner_name": "Ada Rep",
                "reason": "MQL (rules v7): fit 50 = Mid-market +30, title VP +20; ...",
            },
            "org": {
                "mql": True,
                "owner_id": "005000000000002AAA",
                "owner_name": "Bo Rep",
                "reason": "status 'Marketing Qualified', MQL at some point; Owner Queue -> Bo "
                "Rep by Cy Manager at 2026-11-04 10:12",
            },
        }
    ],
    "notes": ["the org's side is the lead as the last sync stored it: ..."],
    "methods": {"agreement": "same MQL verdict, and the same owner when both made it MQL"},
}
