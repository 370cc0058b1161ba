"""Dashboard page render times on a large store: `python -m bench.reports.pages [--rows N]`.

For each database: the same seeded store as `bench.reports.run` (a million leads and
opportunities by default, reused with `--keep`), then every `/ui` page requested in process
through the ASGI app, signed in, with the clock fixed at the data's `NOW`: the first view, then
the median of several views with the SLA status cache emptied before each (as after every sync or
minute, before `handoff serve`'s warmer has computed it again), which is the server's whole work
for the page (queries, template, SVG) without the network, and the median with the status kept.
The funnel and rules pages keep their figures from sync to sync (`app.ui.snapshots`): their first
view starts the computation off the request (`handoff serve` starts it at start-up),
and how long that takes is printed as "kept figures ready". Aim: each page under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from starlette.testclient import TestClient

from app.api.rules import RULES_YAML_EXAMPLE
from app.api.status_cache import StatusCache
from app.deps import get_now
from app.main import create_app
from app.settings import Settings
from app.ui.warm import PageFigures
from bench.reports.data import NOW
from bench.reports.run import database, ensure_loaded, served

KEY = "bench-read-key-0123456789"
PAGES = (
    "/ui",
    "/ui/sla",
    "/ui/breaches",
    "/ui/win-loss",
    "/ui/funnel",
    "/ui/rules",
    "/ui/sync",
    "/ui/lead?id=00Q000000000001AAA",
)

# Pages whose heavy figures are kept from sync to sync (`app.ui.snapshots`), by app state name.
KEPT = {"/ui/funnel": "ui_funnel", "/ui/rules": "ui_rules"}


def _load() -> str:
    """The 1-minute load average (as `uptime` prints it): the machine is shared, say how busy."""
    return f"{os.getloadavg()[0]:.1f}"


def time_pages(url: str, folder: Path, repeat: int) -> dict[str, tuple[float, str]]:
    rules = folder / "rules.yaml"
    rules.write_text(RULES_YAML_EXAMPLE, encoding="utf-8")
    settings = Settings(
        database_url=url,
        rules=rules,
        api_keys=f"{KEY}:read",
        sync_interval=0,
        secret_key="bench-secret-key-0123456789abcdefghijk",
    )
    app = create_app(settings, start_scheduler=False)
    app.dependency_overrides[get_now] = lambda: NOW
    figures = {}
    with TestClient(app) as client:
        client.post("/ui/sign-in", data={"api_key": KEY})
        for path in PAGES:
            started = time.perf_counter()
            assert client.get(path).status_code == 200, path  # warm-up
            first = (time.perf_counter() - started) * 1000
            figures[f"{path} (first view)"] = (first, _load())
            kept = KEPT.get(path.split("?")[0])
            if kept is not None:
                # The figures this page keeps from sync to sync, computed off the request.
                getattr(app.state, kept).wait()
                background = (time.perf_counter() - started) * 1000
                figures[f"{path} (kept figures ready, background)"] = (background, _load())
            times, cpu = [], []
            for _ in range(repeat):
                # Cold: no status (nor SLA figures) kept, as after every sync or minute.
                app.state.status_cache = StatusCache()
                app.state.ui_figures = PageFigures()
                started, used = time.perf_counter(), time.process_time()
                answer = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - used) * 1000)
                assert answer.status_code == 200, path
            figures[path] = (statistics.median(times), _load())
            # This process's CPU time for the view (all of it on SQLite, which runs in process;
            # on PostgreSQL the server's share is not in it): what the load does not inflate.
            figures[f"{path} (CPU of this process)"] = (statistics.median(cpu), _load())
            kept_status = []
            for _ in range(repeat):
                # The status kept, as `handoff serve`'s warmer keeps it between syncs.
                started = time.perf_counter()
                assert client.get(path).status_code == 200, path
                kept_status.append((time.perf_counter() - started) * 1000)
            figures[f"{path} (status kept)"] = (statistics.median(kept_status), _load())
    return figures


def time_served(url: str, folder: Path, settle: float, repeat: int) -> dict[str, tuple[float, str]]:
    """`handoff serve` in its own process (its warmer and snapshots running), signed in over
    loopback after `settle` seconds, each page viewed `repeat` times a second apart: what a
    person's browser waits for, HTTP included, on the real clock."""
    figures = {}
    with served(url, folder) as base, httpx.Client(base_url=base, timeout=120) as client:
        client.post("/ui/sign-in", data={"api_key": KEY})
        time.sleep(settle)
        for path in PAGES:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                assert client.get(path).status_code == 200, path
                times.append((time.perf_counter() - started) * 1000)
                time.sleep(1)
            figures[f"{path} (handoff serve, median)"] = (statistics.median(times), _load())
            figures[f"{path} (handoff serve, slowest)"] = (max(times), _load())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", metavar="DIR", help="keep the stores in DIR and reuse them")
    parser.add_argument(
        "--database-name", default="handoff_bench_pages", help="the PostgreSQL database to use"
    )
    parser.add_argument(
        "--served",
        type=float,
        metavar="SECONDS",
        help="instead: time the pages of `handoff serve` over loopback, SECONDS after it started",
    )
    args = parser.parse_args()
    for kind in (k.strip() for k in args.databases.split(",")):
        folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-pages-"))
        folder.mkdir(parents=True, exist_ok=True)
        with database(kind, folder, keep=bool(args.keep), name=args.database_name) as url:
            print(f"[{kind}] ", end="")
            ensure_loaded(url, args.rows)
            if args.served is not None:
                figures = time_served(url, folder, args.served, args.repeat)
            else:
                figures = time_pages(url, folder, args.repeat)
            for path, (ms, load) in figures.items():
                print(f"[{kind}] {path} {ms:.1f} ms (load average {load})", flush=True)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
