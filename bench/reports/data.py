"""A seeded store of a large org: leads, opportunities, MQL episodes and users, loaded in bulk.

`sfsim.generate` was not ready when this was written, so the rows come from a seeded generator
shaped like an org after two years of marketing: most leads never qualify, about one in ten
becomes an MQL, a few percent are open MQLs waiting for sales, and converted MQLs become
opportunities that win more often than the rest. The denormalised columns are filled the way
the sync keeps them, because the reports read exactly those.

SQLite gets batched `executemany` inserts; PostgreSQL gets `COPY`, which is what a bulk load
there should use.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, text

from app.api.rules import RULES_YAML_EXAMPLE
from app.store.models import DecisionHead, DecisionRecord, Lead, MqlEpisode, Opportunity, User

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
OWNERS = [f"005{n:012d}AAA" for n in range(1, 201)]
SOURCES = ["Web", "Webinar", "Trade Show", "Content Download", "Partner", "Phone Inquiry"]
BATCH = 20_000
SLA_HOURS, STALE_DAYS = 24, 14  # RULES_YAML_EXAMPLE's sla
# The rules every lead was decided under (`app.api.rules.RULES_YAML_EXAMPLE`, which the page
# benchmark serves), and the places of the rules a decision can match.
RULES_HASH = hashlib.sha256(RULES_YAML_EXAMPLE.encode()).hexdigest()
PLACES = [("fit[0]", 30), ("fit[1]", 20), ("fit[2]", 10), ("interest[0]", 25), ("interest[1]", 15)]
# An ended episode keeps the owner it ended with, as the sync stores it; here nobody is
# reassigned, so that is the lead's owner.
EPISODE_OWNERS = text(
    "UPDATE mql_episodes SET owner_id = "
    "(SELECT leads.owner_id FROM leads WHERE leads.id = mql_episodes.lead_id) "
    "WHERE ended_at IS NOT NULL OR ended_kind IS NOT NULL"
)


def _lead(n: int, rng: random.Random) -> dict[str, Any]:
    created = NOW - timedelta(seconds=rng.randrange(730 * 86_400))
    row: dict[str, Any] = {
        "id": f"00Q{n:012d}AAA",
        "status": "Open - Not Contacted",
        "owner_id": rng.choice(OWNERS),
        "is_converted": False,
        "converted_date": None,
        "converted_opportunity_id": None,
        "lead_source": rng.choice(SOURCES),
        "created_date": created,
        "system_modstamp": created,
        "is_deleted": False,
        "purged": False,
        "fields": {},
        "ever_mql": False,
        "is_open_mql": False,
        "taken_out_of_mql_by_person": False,
        "created_month": created.strftime("%Y-%m"),
        "mql_at": None,
        "mql_evidence": None,
        "first_touch_at": None,
        "first_touch_kind": None,
        "hours_to_first_touch": None,
        "last_touch_at": None,
        "sla_clock_at": None,
        "sla_target": None,
        "sla_target_hours": None,
        "sla_due_at": None,
        "sla_stale_at": None,
        "fit": rng.randrange(0, 80),
        "interest": rng.randrange(0, 60),
    }
    if rng.random() < 0.1:
        _make_mql(row, created, rng)
    # Some MQLs (and a few others) converted; each lead's opportunity is the one of its number.
    if not row["is_open_mql"] and rng.random() < (0.4 if row["ever_mql"] else 0.01):
        row.update(
            is_converted=True,
            converted_date=(row["mql_at"] or created).date(),
            converted_opportunity_id=f"006{n:012d}AAA",
        )
    return row


def _decision(lead: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The lead's one decision under the benchmark's rules, as a first full run stores it."""
    held = rng.random() < 0.03
    matched = [
        {"place": place, "label": place, "points": points}
        for place, points in PLACES
        if rng.random() < 0.2
    ]
    fingerprint = hashlib.sha256(lead["id"].encode()).hexdigest()
    return {
        "id": int(lead["id"][3:15]),
        "lead_id": lead["id"],
        "decided_at": lead["mql_at"] or lead["created_date"],
        "rules_version": "8",
        "rules_hash": RULES_HASH,
        "input_fingerprint": fingerprint,
        "result_fingerprint": fingerprint,
        "dry_run": False,
        "mql": lead["ever_mql"],
        "held": held,
        "missing_fields": {"fields": ["NumberOfEmployees"]} if held else None,
        "fit": lead["fit"],
        "interest": lead["interest"],
        "matched": {"rules": matched} if matched else None,
        "explanation": "bench",
        "write_state": "written" if lead["ever_mql"] else "none",
        "write_attempts": 0,
    }


def _head(decision: dict[str, Any]) -> dict[str, Any]:
    return {
        "lead_id": decision["lead_id"],
        "dry_run": False,
        "decision_id": decision["id"],
        "input_fingerprint": decision["input_fingerprint"],
        "result_fingerprint": decision["result_fingerprint"],
        "rules_hash": decision["rules_hash"],
        "capped": False,
    }


def _make_mql(row: dict[str, Any], created: datetime, rng: random.Random) -> None:
    mql_at = min(created + timedelta(hours=rng.randrange(1, 2000)), NOW - timedelta(minutes=5))
    touched = rng.random() < 0.8
    hours = rng.expovariate(1 / 12) if touched else None
    first_touch = mql_at + timedelta(hours=hours) if hours is not None else None
    if first_touch is not None and first_touch > NOW:
        first_touch, hours = None, None
    row.update(
        status="Marketing Qualified",
        ever_mql=True,
        is_open_mql=rng.random() < 0.3,
        mql_at=mql_at,
        mql_evidence=rng.choice(["ours", "history", "field", "first_seen"]),
        first_touch_at=first_touch,
        first_touch_kind="touch" if first_touch else None,
        hours_to_first_touch=hours,
        last_touch_at=first_touch,
        sla_clock_at=max(mql_at, first_touch or mql_at),
        # The SLA times a run stores on the rules' clock (wall clock, the default target here).
        sla_target="default",
        sla_target_hours=float(SLA_HOURS),
        sla_due_at=mql_at + timedelta(hours=SLA_HOURS),
        sla_stale_at=max(mql_at, first_touch or mql_at) + timedelta(days=STALE_DAYS),
    )


def _opportunity(n: int, rng: random.Random) -> dict[str, Any]:
    close = date(2024, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    mql = rng.random() < 0.3
    closed = close < NOW.date() and rng.random() < 0.9
    won = closed and rng.random() < (0.3 if mql else 0.2)
    quarter = (close.month - 1) // 3 + 1
    created = datetime.combine(close - timedelta(days=60), datetime.min.time(), UTC)
    return {
        "id": f"006{n:012d}AAA",
        "name": f"Deal {n}",
        "stage_name": "Closed Won" if won else ("Closed Lost" if closed else "Prospecting"),
        "is_closed": closed,
        "is_won": won,
        "close_date": close,
        "amount": float(rng.randrange(1_000, 200_000)),
        "lead_source": rng.choice(SOURCES),
        "owner_id": rng.choice(OWNERS),
        "created_date": created,
        "system_modstamp": created,
        "is_deleted": False,
        "fields": {},
        "mql_originated": mql,
        "mql_evidence": rng.choice(["ours", "history", "date_field"]) if mql else None,
        "close_month": close.strftime("%Y-%m"),
        "close_quarter": f"{close.year}-Q{quarter}",
    }


def _episode(n: int, rng: random.Random) -> dict[str, Any]:
    started = NOW - timedelta(seconds=rng.randrange(365 * 86_400))
    ended = started + timedelta(hours=rng.randrange(1, 500))
    return {
        "lead_id": f"00Q{rng.randrange(1, n + 1):012d}AAA",
        "started_at": started,
        "evidence": "ours",
        "set_by_us": True,
        "ended_at": ended if ended < NOW else None,
        "ended_kind": rng.choice(["accepted", "accepted", "converted", "rejected", "other"]),
    }


def _batches(make: Any, count: int, seed: int) -> Iterator[list[dict[str, Any]]]:
    rng = random.Random(seed)
    for start in range(1, count + 1, BATCH):
        yield [make(n, rng) for n in range(start, min(start + BATCH, count + 1))]


def load(engine: Engine, *, leads: int, opportunities: int, episodes: int) -> None:
    """Fill an empty, migrated store with the seeded rows."""
    with engine.begin() as connection:
        connection.execute(
            insert(User),
            [{"id": o, "name": f"Rep {i}", "is_active": True, "fields": {}} for i, o in
             enumerate(OWNERS)],
        )  # fmt: skip
    tables: list[tuple[Any, Any, int, int]] = [
        (Lead, _lead, leads, 1),
        (Opportunity, _opportunity, opportunities, 2),
        (MqlEpisode, lambda _n, rng: _episode(leads, rng), episodes, 3),
    ]
    decided = random.Random(4)
    for model, make, count, seed in tables:
        for rows in _batches(make, count, seed):
            _insert(engine, model, rows)
            if model is Lead:
                decisions = [_decision(lead, decided) for lead in rows]
                _insert(engine, DecisionRecord, decisions)
                _insert(engine, DecisionHead, [_head(d) for d in decisions])
    with engine.begin() as connection:
        connection.execute(EPISODE_OWNERS)
        if engine.dialect.name == "postgresql":  # the ids above were given, not drawn
            connection.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('decisions', 'id'), max(id)) "
                    "FROM decisions"
                )
            )
    # What autovacuum would do after a bulk load: statistics, and (PostgreSQL) the visibility
    # map that index-only scans rely on.
    statement = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(statement)


def _insert(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    if engine.dialect.name == "postgresql":
        _copy(engine, model, rows)
    else:
        with engine.begin() as connection:
            connection.execute(insert(model), rows)


def _copy(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY of `rows` (JSON columns as text)."""
    # The table's columns only: a lead row also carries its scores for its decision.
    columns = [name for name in rows[0] if name in model.__table__.c]
    statement = f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN"
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[attr-defined]
            for row in rows:
                values = (row[name] for name in columns)
                copy.write_row([json.dumps(v) if isinstance(v, dict) else v for v in values])
        raw.commit()
    finally:
        raw.close()
