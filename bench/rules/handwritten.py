"""The 15-rule file written out by hand as one plain Python function: the speed yardstick.

It follows the same semantics as `rules` (case ignored, numbers held in strings, blanks, inclusive
between, element test on multi-select values) so the comparison is like for like; `run.py`
checks that both agree on every lead before timing them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from rules import LeadFacts

_TITLE = re.compile(r"(?i)\b(vp|director|head|chief)\b")
_US = {"us", "usa", "united states"}
_ALLOWED = _US | {"canada", "uk"}
_SOURCES = {"webinar", "trade show", "content download"}
_ELIGIBLE = {"Open - Not Contacted", "Nurturing"}
_CUTOFF = date(2026, 1, 1)
_REQUIRED = ("Email", "Phone", "Title", "NumberOfEmployees")


def _num(value: Any) -> float | None:
    if value.__class__ is int or value.__class__ is float:
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str | None:
    return value.casefold() if isinstance(value, str) and value.strip() else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    if len(value) == 10:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value).date()


def decide_by_hand(lead: LeadFacts) -> tuple[bool, bool, int, int]:
    """(mql, held, fit, interest) for the bench's 15-rule file.

    One straight function on purpose, longer than the house limit: splitting it into helpers
    would slow the yardstick down and flatter the engine's ratio.
    """
    f = lead.fields
    fit = interest = 0
    employees, title, country = (
        _num(f.get("NumberOfEmployees")),
        f.get("Title"),
        _text(f.get("Country")),
    )
    revenue, industry, company = (
        _num(f.get("AnnualRevenue")),
        _text(f.get("Industry")),
        _text(f.get("Company")),
    )
    fit += 30 if employees is not None and employees >= 100 else 0
    fit += 20 if isinstance(title, str) and title.strip() and _TITLE.search(title) else 0
    fit += 10 if country in _US else 0
    fit += 10 if revenue is not None and 1e6 <= revenue <= 5e7 else 0
    fit += 5 if industry == "software" else 0
    fit -= 40 if company is not None and company.startswith(("test", "sample")) else 0
    visits, products = _num(f.get("Website_Visits__c")), _text(f.get("Products__c"))
    event = _day(f.get("Last_Event_Date__c"))
    interest += 25 if _text(f.get("LeadSource")) in _SOURCES else 0
    interest += 15 if visits is not None and visits >= 3 else 0
    if products is not None:
        found = "analytics" in (
            {p.strip() for p in products.split(";")} if ";" in products else products
        )
        interest += 10 if found else 0
    interest += 5 if event is not None and event >= _CUTOFF else 0
    interest -= 25 if f.get("HasOptedOutOfEmail") is True else 0
    email, description = _text(f.get("Email")), _text(f.get("Description"))
    disqualified = (
        (email is not None and email.endswith(("@gmail.com", "@yahoo.com")))
        or email is None
        or country not in _ALLOWED
        or (description is not None and "do not contact" in description)
    )
    eligible = lead.status in _ELIGIBLE and not lead.ever_mql
    qualifies = eligible and not disqualified and fit >= 40 and interest >= 25
    missing = qualifies and any(
        _text(f.get(name)) is None and not isinstance(f.get(name), int | float)
        for name in _REQUIRED
    )
    return qualifies and not missing, qualifies and missing, fit, interest
