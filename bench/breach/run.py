"""Breach actions and the business clock: `python -m bench.breach.run [--leads N] [--actions N]`.

Two figures the SLA-in-business-time work is judged by:
- the cost of business-time SLA states: computing each MQL's target, due and stale times and its
  first-touch hours on the business clock (what the facts step does per lead) against the wall
  clock, per lead and extrapolated to the MQLs of a 1,000,000-lead store (10% MQLs, as
  `bench/reports` seeds); the reports then compare stored times, so they cost the same on both;
- breach notifications per second through the outbox: N queued notifications delivered to a
  receiver on loopback, on SQLite, with the claim, the POST and the record of each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from app.handoff.breach_outbox import OutboxPolicy, deliver_outbox
from app.sla_policy import SlaPolicy
from app.store.db import make_engine, make_sessionmaker
from app.store.migrate import upgrade
from app.store.models import BreachAction, Outbox
from rules.calendars import WorkCalendar
from rules.sla import CompiledTarget

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WEEK = (((540, 1050),),) * 5 + ((), ())
ZONES = ("America/New_York", "America/Chicago", "Europe/London", "Asia/Kolkata")


def _mqls(count: int) -> list[tuple[datetime, datetime | None, str]]:
    rng = random.Random(7)
    found = []
    for _ in range(count):
        mql_at = NOW - timedelta(hours=rng.uniform(1, 24 * 60))
        touched = mql_at + timedelta(hours=rng.expovariate(1 / 12)) if rng.random() < 0.8 else None
        found.append((mql_at, touched, f"005{rng.randrange(40):012d}AAA"))
    return found


def _time_policy(policy: SlaPolicy, mqls: list[tuple[datetime, datetime | None, str]]) -> float:
    fields = {"Rating": "Warm"}
    started = time.perf_counter()
    for mql_at, touched, owner in mqls:
        policy.times(fields, owner, mql_at=mql_at, first_touch_at=touched, clock_at=mql_at)
    return (time.perf_counter() - started) / len(mqls) * 1e6


def sla_cost(count: int) -> None:
    mqls = _mqls(count)
    holidays = frozenset(datetime(2026, m, d).date() for m, d in ((1, 1), (7, 3), (11, 26)))
    calendar = WorkCalendar("org", "America/New_York", WEEK, holidays)
    zones = {owner: ZONES[int(owner[3:15]) % len(ZONES)] for _, _, owner in mqls}
    targets = (CompiledTarget("hot", 1, (lambda f: f.get("Rating") == "Hot",)),)
    policies = {
        "calendar clock": SlaPolicy("calendar", 24, 14, targets),
        "business, org calendar": SlaPolicy("business", 24, 14, targets, calendar),
        "business, owner calendars": SlaPolicy(
            "business", 24, 14, targets, calendar, per_owner=True, user_zones=zones
        ),
    }
    print(f"SLA times of {count:,} MQLs (median of 3 passes):")
    for name, policy in policies.items():
        per_lead = statistics.median(_time_policy(policy, mqls) for _ in range(3))
        at_scale = per_lead * 100_000 / 1e6
        print(f"  {name:<27} {per_lead:7.1f} us/MQL  {at_scale:6.1f} s for the 100,000 MQLs "
              "of 1,000,000 leads")  # fmt: skip


def outbox_rate(count: int) -> None:
    received = 0
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            nonlocal received
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                received += 1
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            del args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        actions = [
            {"id": n + 1, "lead_id": f"00Q{n:012d}AAA", "episode_id": n + 1, "step": 0,
             "dry_run": False, "kind": "notify", "due_at": NOW, "step_at": NOW, "state": "queued",
             "created_at": NOW}
            for n in range(count)
        ]  # fmt: skip
        rows = [
            {"action_id": n + 1, "idempotency_key": f"key-{n}", "webhook_env": "BENCH_HOOK",
             "payload": {"lead_id": f"00Q{n:012d}AAA", "state": "breached"}, "state": "pending",
             "attempts": 0, "next_attempt_at": NOW, "created_at": NOW}
            for n in range(count)
        ]  # fmt: skip
        with engine.begin() as connection:
            connection.execute(insert(BreachAction.__table__), actions)  # type: ignore[arg-type]
            connection.execute(insert(Outbox.__table__), rows)  # type: ignore[arg-type]
        sessions = make_sessionmaker(engine)
        started = time.perf_counter()
        outcomes = deliver_outbox(sessions, NOW, OutboxPolicy(), environ={"BENCH_HOOK": url})
        elapsed = time.perf_counter() - started
        engine.dispose()
    server.shutdown()
    print(f"outbox: {outcomes['sent']:,} of {count:,} notifications sent in {elapsed:.2f} s: "
          f"{count / elapsed:,.0f}/s ({received:,} received)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.breach.run", description=__doc__)
    parser.add_argument("--leads", type=int, default=20_000, help="MQLs whose SLA is timed")
    parser.add_argument("--actions", type=int, default=2_000, help="notifications delivered")
    args = parser.parse_args()
    sla_cost(args.leads)
    outbox_rate(args.actions)


if __name__ == "__main__":
    main()
