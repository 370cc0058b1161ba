"""First pull of N leads from `sfsim` over HTTPS on loopback, with a per-call latency.

    python -m bench.pull.run [--leads 100000] [--latency-ms 50]

Prints, side by side: the API calls the pull made against the floor of ceil(N/2000) query calls
for the leads alone, the wall time, and the pulling process's peak memory. The org is served from
this process; the pull runs in a child process so its memory is measured alone.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.settings import _sql_url
from app.store.db import make_engine
from app.store.migrate import upgrade
from sfsim.org import Org
from sfsim.server import serve
from tests.fakes.sim_org import STATUSES, add_reps, country_rules, with_statuses


def build_org(leads: int) -> tuple[Org, str]:
    """An org with `leads` leads spread over a year, a rep, and the statuses the rules name."""
    org = with_statuses(Org(), converted=False)
    (rep,) = add_reps(org, 1, name="Rep")
    start = int((datetime.now(UTC) - timedelta(days=365)).timestamp())
    step = max(1, 365 * 86400 // max(leads, 1))
    for n in range(leads):
        values = {
            "LastName": f"Lead {n}",
            "Company": f"Company {n % 5000}",
            "Country": "US" if n % 3 else "DE",
            "NumberOfEmployees": (n * 37) % 2000,
            "Status": STATUSES[n % 4],
        }
        org.insert("Lead", values, at=start + n * step // 3)  # three leads per stamp
    return org, rep


def rules_text(rep: str) -> str:
    return country_rules(rep, accepted='"Working - Contacted"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument(
        "--database-url",
        help="an empty database to pull into (default: a temporary SQLite file)",
    )
    args = parser.parse_args()
    built = time.perf_counter()
    org, rep = build_org(args.leads)
    print(f"seeded {args.leads:,} leads in {time.perf_counter() - built:.1f} s")
    with tempfile.TemporaryDirectory(prefix="bench-pull-") as scratch:
        folder = Path(scratch)
        (folder / "rules.yaml").write_text(rules_text(rep), encoding="utf-8")
        url = _sql_url(args.database_url or f"sqlite:///{folder / 'handoff.db'}")
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        with serve(org, tls=True) as server:
            with org.lock:
                org.faults.latency_ms = args.latency_ms
            argv = [sys.executable, "-m", "bench.pull.child", url, str(folder / "rules.yaml"),
                    server.base_url, server.access_token, str(server.ca_file)]  # fmt: skip
            first, again = (_pull(argv) for _ in range(2))
    report(args.leads, args.latency_ms, url.split(":")[0], first, again)


def _pull(argv: list[str]) -> dict[str, object]:
    """One pull in a child process; its JSON line."""
    child = subprocess.run(argv, capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


def report(
    leads: int,
    latency_ms: int,
    database: str,
    result: dict[str, object],
    again: dict[str, object],
) -> None:
    floor = math.ceil(leads / 2000)
    pulled = result["pulled"]
    assert isinstance(pulled, dict)
    rows = [
        ("leads stored", f"{pulled.get('Lead', 0):,}", f"{leads:,}"),
        ("API calls (all)", str(result["api_calls"]), f"floor {floor} (Lead query pages)"),
        (
            "wall time (s)",
            str(result["seconds"]),
            f"floor {floor * latency_ms / 1000:.1f} (latency)",
        ),
        ("peak RSS (MB)", str(result["peak_rss_mb"]), "pulling process only"),
        ("next pull: calls", str(again["api_calls"]), "incremental, nothing changed"),
        ("next pull: s", str(again["seconds"]), "incremental, nothing changed"),
    ]
    print(f"first pull of {leads:,} leads, {latency_ms} ms per call, HTTPS on loopback, {database}")
    print(f"{'':<18}{'measured':>12}   reference")
    for name, measured, reference in rows:
        print(f"{name:<18}{measured:>12}   {reference}")


if __name__ == "__main__":
    main()
