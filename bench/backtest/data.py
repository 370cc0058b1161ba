"""A seeded store for the backtest benchmark: leads with the fields rules read, and the
opportunities the converted ones became, winning more often for bigger companies and senior
titles (so a stricter rules file has something real to find).

Loaded the way `bench.reports.data` loads its store: `COPY` on PostgreSQL, batched inserts on
SQLite.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from app.store.models import Lead, Opportunity
from bench.reports.data import _copy

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BATCH = 20_000
TITLES = ["VP Marketing", "Director of Sales", "Engineer", "Analyst", "Head of Growth",
          "Manager", "Student", "Chief Revenue Officer"]  # fmt: skip
COUNTRIES = ["US", "US", "US", "Canada", "Germany", "United Kingdom", "France", "India"]
SOURCES = ["Webinar", "Trade Show", "Content Download", "Web", "Partner", "Cold Call"]


def _rows(n: int, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any] | None]:
    created = NOW - timedelta(seconds=rng.randrange(730 * 86_400))
    employees = int(rng.lognormvariate(4.0, 1.6))
    title = rng.choice(TITLES)
    source = rng.choice(SOURCES)
    fields = {
        "Id": f"00Q{n:015d}",
        "NumberOfEmployees": employees,
        "Title": title,
        "Country": rng.choice(COUNTRIES),
        "LeadSource": source,
        "Email": f"p{n}@{'gmail.com' if rng.random() < 0.15 else 'acme.example'}",
        "Phone": "+1 555 0100" if rng.random() < 0.9 else None,
        "Website_Visits__c": rng.randrange(0, 8),
        "Status": "Open - Not Contacted",
    }
    big, senior = employees >= 100, any(w in title for w in ("VP", "Director", "Head", "Chief"))
    converts = rng.random() < 0.04 + 0.08 * big + 0.04 * (source == "Webinar")
    opportunity = None
    if converts:
        close = (created + timedelta(days=rng.randrange(20, 200))).date()
        closed = close < NOW.date() and rng.random() < 0.9
        won = closed and rng.random() < 0.1 + 0.12 * big + 0.1 * senior
        opportunity = _opportunity(n, close, closed, won)
    lead = {
        "id": fields["Id"],
        "status": "Closed - Converted" if converts else "Open - Not Contacted",
        "owner_id": "005000000000001AAA",
        "is_converted": converts,
        "converted_opportunity_id": opportunity["id"] if opportunity else None,
        "lead_source": source,
        "created_date": created,
        "system_modstamp": created,
        "is_deleted": False,
        "purged": False,
        "fields": fields,
        "ever_mql": False,
        "is_open_mql": False,
        "taken_out_of_mql_by_person": False,
        "created_month": created.strftime("%Y-%m"),
    }
    return lead, opportunity


def _opportunity(n: int, close: date, closed: bool, won: bool) -> dict[str, Any]:
    quarter = (close.month - 1) // 3 + 1
    created = datetime.combine(close - timedelta(days=30), datetime.min.time(), UTC)
    return {
        "id": f"006{n:015d}",
        "name": f"Deal {n}",
        "stage_name": "Closed Won" if won else ("Closed Lost" if closed else "Prospecting"),
        "is_closed": closed,
        "is_won": won,
        "close_date": close,
        "amount": 10_000.0,
        "owner_id": "005000000000001AAA",
        "created_date": created,
        "system_modstamp": created,
        "is_deleted": False,
        "fields": {},
        "mql_originated": False,
        "close_month": close.strftime("%Y-%m"),
        "close_quarter": f"{close.year}-Q{quarter}",
    }


def _batches(count: int, seed: int) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    rng = random.Random(seed)
    for start in range(1, count + 1, BATCH):
        leads, opportunities = [], []
        for n in range(start, min(start + BATCH, count + 1)):
            lead, opportunity = _rows(n, rng)
            leads.append(lead)
            if opportunity is not None:
                opportunities.append(opportunity)
        yield leads, opportunities


def load(engine: Engine, *, leads: int, seed: int = 17) -> None:
    """Fill an empty, migrated store with `leads` seeded leads and their opportunities."""
    for lead_rows, opportunity_rows in _batches(leads, seed):
        for model, rows in ((Opportunity, opportunity_rows), (Lead, lead_rows)):
            if not rows:
                continue
            if engine.dialect.name == "postgresql":
                _copy(engine, model, rows)
            else:
                with engine.begin() as connection:
                    connection.execute(insert(model), rows)
    statement = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(statement)
