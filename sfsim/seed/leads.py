"""Lead columns drawn in bulk (one list per field), so a million leads take seconds."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from sfsim.seed import pools
from sfsim.seed.people import Staff

DAY = 86400
STATUSES: list[tuple[str | None, int]] = [
    ("Open - Not Contacted", 28),
    ("Working - Contacted", 12),
    ("Nurturing", 15),
    ("Marketing Qualified", 9),
    ("Sales Qualified", 5),
    ("Closed - Not Converted", 9),
    ("Disqualified", 5),
    ("Closed - Converted", 17),
]
IN_MQL = "Marketing Qualified"
CONVERTED = "Closed - Converted"
REACHED_MQL = frozenset({IN_MQL, "Sales Qualified", CONVERTED})


@dataclass
class LeadDraw:
    """The drawn columns plus facts the related records need."""

    columns: dict[str, list[Any]]
    created: list[int]
    mql_at: list[int | None]


def _mql_time(rng: random.Random, created: int, status: str | None, now: int) -> int | None:
    """When a lead became MQL, if it did.

    Leads still in MQL became so recently (days, not months: sales works or rejects them), so
    the SLA states spread over pending, met, breached and stale; about 60% of converted leads
    went through MQL, the rest were sourced by sales, which is what the win/loss comparison needs.
    """
    if status not in REACHED_MQL or (status == CONVERTED and rng.random() >= 0.6):
        return None
    if status == IN_MQL:
        return max(created, now - int(rng.expovariate(1 / (4 * DAY))) - 3600)
    return min(created + int(rng.expovariate(1 / (9 * DAY))), now - 3600)


def _pick(rng: random.Random, pairs: list[tuple[str | None, int]], n: int) -> list[str | None]:
    values, weights = pools.unzip(pairs)
    return rng.choices(values, weights, k=n)


def _emails(
    rng: random.Random, first: list[str], last: list[str], companies: list[str]
) -> list[str | None]:
    out: list[str | None] = []
    for i, (given, family, company) in enumerate(zip(first, last, companies, strict=True)):
        roll = rng.random()
        if roll < 0.03:
            out.append(None)
            continue
        words = company.split(" ")
        domain = rng.choice(pools.FREE_MAIL) if roll < 0.16 else f"{words[0]}{words[1]}.com".lower()
        out.append(f"{given.lower()}.{family.lower()}{i}@{domain}")
    return out


def _owners(rng: random.Random, staff: Staff, statuses: list[str | None]) -> list[str]:
    owners = []
    for status in statuses:
        roll = rng.random()
        if status in ("Open - Not Contacted", "Nurturing") and roll < 0.25:
            owners.append(staff.lead_queue)
        elif status == "Nurturing" and roll < 0.45:
            owners.append(staff.marketing)
        elif roll < 0.04 and staff.inactive:
            owners.append(rng.choice(staff.inactive))
        else:
            owners.append(rng.choice(staff.reps))
    return owners


def _fit(rng: random.Random, n: int) -> dict[str, list[Any]]:
    employees = [
        None if rng.random() < 0.08 else int(10 ** rng.uniform(0.3, 4.7)) for _ in range(n)
    ]
    revenue = [
        None if e is None or rng.random() < 0.3 else float(e * rng.randrange(50, 300) * 1000)
        for e in employees
    ]
    countries = _pick(rng, pools.COUNTRIES, n)
    states = [
        rng.choice(pools.US_STATES) if c in ("US", "USA", "United States") else None
        for c in countries
    ]
    return {
        "NumberOfEmployees": employees,
        "AnnualRevenue": revenue,
        "Country": countries,
        "State": states,
        "Title": _pick(rng, pools.TITLES, n),
        "Industry": _pick(rng, pools.INDUSTRIES, n),
        "Rating": _pick(rng, pools.RATINGS, n),
    }


def draw_leads(rng: random.Random, staff: Staff, n: int, now: int, span_days: int) -> LeadDraw:
    """Every column of `n` leads created over the last `span_days` before `now`."""
    created = sorted(now - int(rng.random() * span_days * DAY) for _ in range(n))
    statuses = _pick(rng, STATUSES, n)
    first = rng.choices(pools.FIRST_NAMES, k=n)
    last = rng.choices(pools.LAST_NAMES, k=n)
    company_pool = pools.companies(max(50, min(5000, n // 4)))
    companies = rng.choices(company_pool, k=n)
    phones = [f"+1 {rng.randrange(200, 999)} 555 {i:04d}" for i in range(2000)]
    mql_at = [_mql_time(rng, c, s, now) for c, s in zip(created, statuses, strict=True)]
    modified = [
        max(c, m or c) + int(rng.random() * max(now - max(c, m or c), 1) * 0.3)
        for c, m in zip(created, mql_at, strict=True)
    ]
    columns: dict[str, list[Any]] = {
        "FirstName": first,
        "LastName": last,
        "Company": companies,
        "Status": statuses,
        "Email": _emails(rng, first, last, companies),
        "Phone": [None if rng.random() < 0.15 else rng.choice(phones) for _ in range(n)],
        "LeadSource": _pick(rng, pools.SOURCES, n),
        "OwnerId": _owners(rng, staff, statuses),
        "Website_Visits__c": [
            None if rng.random() < 0.1 else float(int(rng.expovariate(0.25))) for _ in range(n)
        ],
        "MQL_Date__c": [m if m is not None and rng.random() < 0.8 else None for m in mql_at],
        "CreatedDate": created,
        "CreatedById": [staff.marketing] * n,
        "LastModifiedDate": modified,
        "SystemModstamp": modified,
        "LastModifiedById": [staff.marketing] * n,
        "IsDeleted": [False] * n,
        "IsConverted": [s == "Closed - Converted" for s in statuses],
    }
    columns.update(_fit(rng, n))
    return LeadDraw(columns, created, mql_at)
