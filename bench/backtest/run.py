"""`python -m bench.backtest.run [--leads N] [--database sqlite|postgresql] [--keep]`: a backtest
and a calibration over N stored leads (default 1,000,000), each in a process of its own, with
wall time and peak RSS. The same at a tenth of N shows whether memory stays flat as the store
grows (the leads stream; only counts are kept).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from app.store.db import make_engine
from app.store.migrate import upgrade
from app.store.models import Lead
from bench.backtest.data import load
from bench.reports.run import database


def ensure_loaded(url: str, leads: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as connection:
        present = connection.scalar(select(func.count()).select_from(Lead))
    if present != leads:
        if present:
            raise SystemExit(f"{url} holds {present} leads, not {leads}: drop it first")
        started = time.perf_counter()
        load(engine, leads=leads)
        print(f"loaded {leads:,} leads in {time.perf_counter() - started:.0f} s", flush=True)
    engine.dispose()


def measure(what: str, url: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.backtest.child", what, url],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.backtest.run", description=__doc__)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--keep", action="store_true", help="keep the store for the next run")
    parser.add_argument("--folder", type=Path, default=None, help="where the SQLite file goes")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="handoff-bench-backtest-"))
    try:
        _measure_sizes(args, folder)
    finally:
        if args.folder is None and not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def _measure_sizes(args: argparse.Namespace, folder: Path) -> None:
    for leads in (args.leads // 10, args.leads):
        name = f"handoff_bench_backtest_{leads}"
        sub = folder / str(leads)
        sub.mkdir(parents=True, exist_ok=True)
        with database(args.database, sub, args.keep, name=name) as url:
            ensure_loaded(url, leads)
            for what in ("backtest", "calibration"):
                found = measure(what, url)
                print(f"{args.database} {leads:>9,} leads  {what:<11} {found['seconds']:>7} s  "
                      f"peak RSS {found['peak_rss_mb']} MB (at start {found['rss_before_mb']} MB)",
                      flush=True)  # fmt: skip
                print(f"    {found['summary']}", flush=True)


if __name__ == "__main__":
    main()
