"""The measured side of the sync benchmark: one way, in a process of its own, then a report.

Run by `bench.sync.run`, which serves the org; this process only talks to it over HTTPS, so its
peak memory is the way's own. The token comes in `SF_ACCESS_TOKEN` (never in argv, which `ps`
shows to everyone). Prints one JSON line: seconds, leads written, peak RSS.
"""

from __future__ import annotations

import cProfile
import json
import os
import resource
import ssl
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from app.run import run_sync
from app.settings import Settings
from app.store.db import make_engine, make_sessionmaker
from bench.peak_memory import peak_rss_mb
from bench.sync import scripts
from sf_client import AccessTokenAuth, SalesforceClient


def handoff(base_url: str, token: str, ca_file: str, database_url: str, rules: str) -> int:
    """One live `run_sync`, as `handoff sync` runs it; returns the leads written."""
    settings = Settings(
        _env_file=None,
        database_url=database_url, rules=Path(rules), write_mode="live",
        max_writes_per_run=100_000,
    )  # fmt: skip
    engine = make_engine(database_url)

    @contextmanager
    def connect() -> Iterator[SalesforceClient]:
        verify = ssl.create_default_context(cafile=ca_file)
        limits = httpx.Limits(max_connections=settings.write_concurrency + 4)
        with httpx.Client(verify=verify, timeout=60, limits=limits) as http:
            yield SalesforceClient(
                http, AccessTokenAuth(base_url, token),
                write_concurrency=settings.write_concurrency,
            )  # fmt: skip

    run = run_sync(
        settings, make_sessionmaker(engine), connect, trigger="bench", progress=_progress()
    )
    engine.dispose()
    if run.state != "succeeded":
        raise SystemExit(f"the Handoff run ended {run.state}: {run.message}")
    return int(run.counts["written"])


def _progress() -> Any:
    """With BENCH_PROGRESS=N, a line on stderr every N records pulled (for the long runs)."""
    every = int(os.environ.get("BENCH_PROGRESS") or 0)
    if not every:
        return None
    started = time.perf_counter()

    def report(sobject: str, stored: int, expected: int | None = None) -> None:
        if stored % every < 2000 or stored == 0:
            seconds = time.perf_counter() - started
            total = f" of {expected:,}" if expected else ""
            sys.stderr.write(f"  {sobject}: {stored:,}{total} stored after {seconds:.0f} s\n")

    return report


class PeakProfile:
    """With BENCH_TRACEMALLOC=1: tracemalloc snapshots every second, the one at the highest
    traced memory kept, and its top allocation sites printed on stderr at the end."""

    def __init__(self) -> None:
        self.enabled = os.environ.get("BENCH_TRACEMALLOC") == "1"
        self.peak = 0
        self.snapshot: tracemalloc.Snapshot | None = None
        self._stop = threading.Event()

    def __enter__(self) -> PeakProfile:
        if self.enabled:
            tracemalloc.start(8)
            threading.Thread(target=self._sample, daemon=True).start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(1.0):
            current, _peak = tracemalloc.get_traced_memory()
            if current > self.peak:
                self.peak, self.snapshot = current, tracemalloc.take_snapshot()

    def __exit__(self, *exc: object) -> None:
        if not self.enabled:
            return
        self._stop.set()
        if self.snapshot is not None:
            sys.stderr.write(f"tracemalloc: highest sampled {self.peak / 2**20:.0f} MB traced\n")
            for stat in self.snapshot.statistics("traceback")[:8]:
                sys.stderr.write(f"  {stat.size / 2**20:8.1f} MB {stat.count:>9,} blocks\n")
                for line in stat.traceback.format(limit=4):
                    sys.stderr.write(f"      {line}\n")
        tracemalloc.stop()


@contextmanager
def _cprofile() -> Iterator[None]:
    """With BENCH_CPROFILE=FILE: a cProfile of the main thread, dumped to FILE (pstats)."""
    target = os.environ.get("BENCH_CPROFILE")
    if not target:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        profiler.dump_stats(target)


def _trace_rss() -> None:
    """With BENCH_PROGRESS: the process's resident memory on stderr every 10 s, beside the
    pull's progress lines, to see which step holds the peak."""
    if not os.environ.get("BENCH_PROGRESS"):
        return
    started = time.perf_counter()

    def report() -> None:
        while True:
            time.sleep(10)
            pages = int(Path("/proc/self/statm").read_text().split()[1])
            megabytes = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
            seconds = time.perf_counter() - started
            sys.stderr.write(f"  rss {megabytes:.0f} MB after {seconds:.0f} s\n")

    threading.Thread(target=report, daemon=True).start()


def main(way: str, base_url: str, ca_file: str, *extra: str) -> None:
    token = os.environ["SF_ACCESS_TOKEN"]
    _trace_rss()
    started = time.perf_counter()
    with PeakProfile(), _cprofile():
        if way == "handoff":
            written = handoff(base_url, token, ca_file, *extra)
        else:
            reps, queue, keepers = (extra[0], extra[1]), extra[2], set(extra[3].split(","))
            sf = scripts.connect(base_url, token, ca_file)
            write = scripts.plain if way == "plain" else scripts.careful
            written = write(sf, reps, queue, keepers)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        "seconds": round(seconds, 2),
        "written": written,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        # CPU time of this process (from its start): what the way costs, whatever the load.
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
    }
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
