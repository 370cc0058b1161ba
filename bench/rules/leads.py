"""Varied leads shaped like the REST API returns them, from a fixed seed.

The mix is meant to exercise every branch the 15-rule file has: blanks, numbers held in strings,
mixed case, multi-select values, ISO dates and datetimes, and statuses in and out of eligibility.
"""

from __future__ import annotations

import random
from typing import Any

from rules import LeadFacts

_TITLES = ["VP Sales", "director of it", "Engineer", "Head of Ops", "", None, "CHIEF of staff"]
_COUNTRIES = ["US", "usa", "United States", "US", "Canada", "UK", "France", None, ""]
_SOURCES = ["Webinar", "trade show", "Content Download", "Web", "Partner", None]
_INDUSTRIES = ["Software", "software", "Retail", None]
_COMPANIES = ["Acme", "Test Co", "sample inc", "Globex", "Initech"]
_PRODUCTS = ["Analytics;CRM", "CRM", "analytics", "Analytics Plus", None, ""]
_EMAILS = ["a@acme.com", "e@initech.com", "b@gmail.com", "c@YAHOO.com", "d@globex.io", None]
_DESCRIPTIONS = [None, "", "Please DO NOT CONTACT", "Asked for a demo"]
_STATUSES = ["Open - Not Contacted", "Nurturing", "Open - Not Contacted", "Working - Contacted",
             "Marketing Qualified"]  # fmt: skip


def _field(rng: random.Random) -> dict[str, Any]:
    employees: Any = rng.choice([rng.randint(1, 5000), str(rng.randint(1, 5000)), None])
    return {
        "NumberOfEmployees": employees,
        "Title": rng.choice(_TITLES),
        "Country": rng.choice(_COUNTRIES),
        "AnnualRevenue": rng.choice([rng.uniform(1e5, 1e8), None]),
        "Industry": rng.choice(_INDUSTRIES),
        "Company": rng.choice(_COMPANIES),
        "LeadSource": rng.choice(_SOURCES),
        "Website_Visits__c": rng.choice([rng.randint(0, 9), str(rng.randint(0, 9)), None, ""]),
        "Products__c": rng.choice(_PRODUCTS),
        "Last_Event_Date__c": rng.choice(
            ["2025-11-30", "2026-02-14", "2026-03-01T10:00:00.000+0000", None]
        ),
        "HasOptedOutOfEmail": rng.random() < 0.1,
        "Email": rng.choice(_EMAILS),
        "Description": rng.choice(_DESCRIPTIONS),
        "Phone": rng.choice(["+1 555 0100", "+44 20 7946 0000", None]),
    }


def generate(count: int, seed: int = 7) -> list[LeadFacts]:
    """`count` leads; the same seed gives the same leads."""
    rng = random.Random(seed)
    return [
        LeadFacts(fields=_field(rng), status=rng.choice(_STATUSES), ever_mql=rng.random() < 0.05)
        for _ in range(count)
    ]
