"""Handoff's sync against the two scripts admins write, on identical fresh orgs.

    python -m bench.sync.run [--leads 50000] [--latency-ms 50] [--ways handoff,careful,plain]

Each way gets a fresh `sfsim` org built from the same seed (about one lead in ten qualifies),
served over HTTPS on loopback with a fixed latency per call, and runs in a child process of its
own (so its peak memory is its own). The org's request log counts the API calls by kind. At the
end the three orgs must hold the same Status and OwnerId on every lead, or the run fails.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from app.store.db import make_engine
from app.store.migrate import upgrade
from bench.sync.org import BenchOrg, build_org, lead_state
from sfsim import Org, edit, serve
from tests.fakes.sim_org import MQL

WAYS = ("handoff", "careful", "plain")


def _kind(path: str) -> str:
    if "/composite/sobjects" in path:
        return "collections"
    if "/sobjects/Lead/" in path and not path.endswith("/describe"):
        return "single_update"
    if "/query" in path:
        return "query"
    return "other"


def calls_by_kind(org: Org) -> Counter[str]:
    return Counter(_kind(entry.path) for entry in org.log.entries())


def _child(args: list[str], token: str, way: str, tag: str = "") -> dict[str, Any]:
    env = {**os.environ, "SF_ACCESS_TOKEN": token}  # not in argv: ps shows it
    if env.get("BENCH_CPROFILE"):
        # BENCH_CPROFILE_RUNS (first, echo, incremental; all by default) picks the runs to
        # profile: under cProfile a million-lead first run takes twice as long.
        chosen = env.get("BENCH_CPROFILE_RUNS", "first,echo,incremental").split(",")
        if (tag.lstrip(".") or "first") in chosen:
            env["BENCH_CPROFILE"] += ("" if way == "handoff" else f".{way}") + tag
        else:
            del env["BENCH_CPROFILE"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.sync.child", *args], env=env,
        stdout=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{way} failed (its stderr is above)")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def change_leads(org: Org, share: float, seed: int = 11) -> tuple[int, dict[str, tuple[str, str]]]:
    """Edit `share` of the leads as a rep would (size and source), so some newly qualify; return
    how many, and the org state the edits leave before any sync."""
    table = org.table("Lead")
    rng = random.Random(seed)
    rows = [row for row in range(table.size) if table.exists(row)]
    chosen = rng.sample(rows, max(1, int(len(rows) * share)))
    rep = next(iter(_active_users(org)))
    for row in chosen:
        edit(org, rep, "Lead", table.id_of(row),
             {"NumberOfEmployees": rng.randrange(1, 5000), "LeadSource": "Webinar"})  # fmt: skip
    return len(chosen), lead_state(org)


def run_way(
    way: str,
    bench: BenchOrg,
    latency_ms: int,
    scratch: Path,
    incremental: float = 0.0,
    gap: float = 60.0,
) -> dict[str, Any]:
    """Serve a fresh org, run `way` against it in a child process, and measure; for Handoff,
    then change `incremental` of the leads and measure a second (incremental) run."""
    bench.org.faults.latency_ms = latency_ms
    with serve(bench.org, tls=True) as server:
        assert server.ca_file is not None
        args = [way, server.base_url, server.ca_file]
        if way == "handoff":
            database = scratch / "handoff.db"
            database.unlink(missing_ok=True)
            url = f"sqlite:///{database}"
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            rules = scratch / "rules.yaml"
            rules.write_text(bench.rules_text, encoding="utf-8")
            args += [url, str(rules)]
        else:
            keepers = ",".join(_active_users(bench.org))
            args += [bench.reps[0], bench.reps[1], bench.queue, keepers]
        bench.org.log.clear()
        result = _child(args, server.access_token, way)
        result["calls"] = calls_by_kind(bench.org)
        result["api_calls"] = sum(result["calls"].values())
        result["state"] = lead_state(bench.org)
        if way == "handoff" and incremental > 0:
            # The run after the first reads back what the first wrote (its echo: every written
            # lead and its history); a scheduled sync pays that once. Measured apart, so the
            # incremental run below sees only the people's edits. Scheduled runs are at least a
            # lookback apart (HANDOFF_SYNC_INTERVAL is 300 s by default, the lookback 60 s);
            # back to back, the next window would also re-read the first run's last minute.
            time.sleep(gap)
            bench.org.log.clear()
            result["echo"] = _measured(args, server.access_token, bench.org, ".echo")
            changed, _before = change_leads(bench.org, incremental)
            bench.org.log.clear()
            result["incremental"] = _measured(args, server.access_token, bench.org, ".incremental")
            result["incremental"]["changed"] = changed
    return result


def _measured(args: list[str], token: str, org: Org, tag: str) -> dict[str, Any]:
    """One more Handoff run in a child process, with the calls the org counted."""
    result = _child(args, token, "handoff", tag)
    result["calls"] = calls_by_kind(org)
    result["api_calls"] = sum(result["calls"].values())
    return result


def _active_users(org: Org) -> list[str]:
    users = org.table("User")
    active = users.getter("IsActive")
    return [
        users.id_of(row)
        for row in range(users.size)
        if active(row) and users.id_of(row) != org.integration_user_id
    ]


def report(results: dict[str, dict[str, Any]], leads: int, latency_ms: int) -> None:
    print(f"sync benchmark: {leads:,} leads, {latency_ms} ms per call, sfsim over HTTPS")
    header = f"{'way':<10}{'API calls':>10}{'queries':>9}{'updates':>9}{'other':>7}"
    print(header + f"{'written':>9}{'wall s':>9}{'cpu s':>8}{'peak MB':>9}")
    for way, r in results.items():
        c = r["calls"]
        updates = c["collections"] + c["single_update"]
        print(
            f"{way:<10}{r['api_calls']:>10}{c['query']:>9}{updates:>9}{c['other']:>7}"
            f"{r['written']:>9}{r['seconds']:>9.1f}{r['cpu_s']:>8.1f}{r['peak_rss_mb']:>9.0f}"
        )
    if "incremental" in results.get("handoff", {}):
        echo = results["handoff"]["echo"]
        again = results["handoff"]["incremental"]
        print(
            f"handoff second run (reads back its own writes): {echo['api_calls']} API calls, "
            f"{echo['written']:,} written, {echo['seconds']:.1f} s ({echo['cpu_s']:.1f} s CPU), "
            f"{echo['peak_rss_mb']:.0f} MB peak"
        )
        print(
            f"handoff incremental: {again['changed']:,} leads changed, {again['api_calls']} API "
            f"calls, {again['written']:,} written, {again['seconds']:.1f} s "
            f"({again['cpu_s']:.1f} s CPU), "
            f"{again['peak_rss_mb']:.0f} MB peak"
        )
    if "handoff" in results:
        base = results["handoff"]
        for way in ("careful", "plain"):
            if way in results:
                other = results[way]
                print(
                    f"handoff / {way}: API calls {base['api_calls'] / other['api_calls']:.2f}x, "
                    f"wall time {base['seconds'] / other['seconds']:.2f}x, "
                    f"CPU time {base['cpu_s'] / other['cpu_s']:.2f}x, "
                    f"peak memory {base['peak_rss_mb'] / other['peak_rss_mb']:.2f}x"
                )
    written = max(r["written"] for r in results.values())
    print(
        f"floor for N={leads:,} read and M={written:,} written: "
        f"{math.ceil(leads / 2000)} lead queries + {math.ceil(written / 200)} collection updates"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--ways", default=",".join(WAYS))
    parser.add_argument(
        "--incremental", type=float, default=0.01,
        help="share of leads changed before a second Handoff run (0: none)",
    )  # fmt: skip
    parser.add_argument(
        "--gap", type=float, default=60.0,
        help="seconds between Handoff's first run and the next (at least the lookback, as "
        "scheduled runs are)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.leads >= 500_000:
        # The million-lead run takes minutes per way: say where it is.
        os.environ.setdefault("BENCH_PROGRESS", "100000")
        print(f"{args.leads:,} leads: a long run (minutes per way); progress on stderr", flush=True)
    results: dict[str, dict[str, Any]] = {}
    states = {}
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as scratch:
        for way in args.ways.split(","):
            started = time.perf_counter()
            bench = build_org(args.leads)
            if os.environ.get("BENCH_PROGRESS"):
                print(f"  {way}: org built in {time.perf_counter() - started:.0f} s", flush=True)
            results[way] = run_way(
                way, bench, args.latency_ms, Path(scratch), args.incremental, args.gap
            )
            states[way] = results[way].pop("state")
            del bench
    report(results, args.leads, args.latency_ms)
    first, *others = states.values()
    promoted = sum(1 for status, _owner in first.values() if status == MQL)
    if any(state != first for state in others):
        raise SystemExit("the ways ended in different org states")
    print(f"all ways end in the same org state: {promoted:,} leads MQL, owners identical")


if __name__ == "__main__":
    main()
