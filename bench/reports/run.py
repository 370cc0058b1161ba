"""Report speed on a large store: `python -m bench.reports.run [--rows N] [--databases ...]`.

For each database: load N leads and N opportunities (plus MQL episodes) in bulk, then time the
win/loss report (one quarter, all time) and the handoff status as the API computes them (median
of several runs after a warm-up), then serve the API with `handoff serve` in its own process and
drive `GET /handoff/status` from this one over loopback for a bounded time: requests per second
and the 99th percentile latency. Aim: under 100 ms each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text

from app.api.rules import RULES_YAML_EXAMPLE
from app.reports.handoff import handoff_status
from app.reports.models import SlaSettings
from app.reports.winloss import win_loss
from app.settings import _sql_url
from app.store.db import make_engine, make_sessionmaker
from app.store.migrate import upgrade
from app.store.models import Lead
from bench.reports.data import NOW, load

KEY = "bench-read-key-0123456789"
SLA = SlaSettings(first_touch_hours=24, stale_days=14)
POSTGRES = os.environ.get("HANDOFF_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def database(
    kind: str, folder: Path, keep: bool, name: str = "handoff_bench_reports"
) -> Iterator[str]:
    """A database URL of `kind`; with `keep` it survives the run and is reused by the next."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    server = create_engine(_sql_url(POSTGRES), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _sql_url(POSTGRES).rsplit("/", 1)[0] + f"/{name}"
    finally:
        if not keep:
            with server.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def ensure_loaded(url: str, rows: int) -> None:
    """Migrate and load the seeded rows, unless a kept store already holds exactly them."""
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as connection:
        present = connection.scalar(select(func.count()).select_from(Lead))
    if present != rows:
        if present:
            raise SystemExit(f"{url} holds {present} leads, not {rows}: drop it first")
        started = time.perf_counter()
        load(engine, leads=rows, opportunities=rows, episodes=rows // 10)
        print(f"loaded {rows:,} leads and opportunities in "
              f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    engine.dispose()


def median_ms(action: Callable[[], object], repeat: int) -> float:
    action()  # warm-up: caches, prepared plans
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def time_reports(url: str, repeat: int) -> dict[str, float]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)

    def run(report: Callable[..., object], **kwargs: object) -> Callable[[], object]:
        def once() -> object:
            with sessions() as session:
                return report(session, **kwargs)

        return once

    quarter = {"start": date(2026, 7, 1), "end": date(2026, 9, 30)}
    window = {"as_of": NOW, "since": NOW - timedelta(days=30), "sla": SLA}
    figures = {
        "win_loss_quarter_ms": median_ms(run(win_loss, **quarter), repeat),
        "win_loss_all_time_ms": median_ms(run(win_loss), repeat),
        "handoff_status_ms": median_ms(run(handoff_status, **window), repeat),
    }
    engine.dispose()
    return figures


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(url: str, folder: Path) -> Iterator[tuple[str, int]]:
    """`handoff serve` in its own process over `url`; yields its base address and pid."""
    rules = folder / "rules.yaml"
    rules.write_text(RULES_YAML_EXAMPLE, encoding="utf-8")
    port = _free_port()
    env = {
        **os.environ,
        "HANDOFF_DATABASE_URL": url,
        "HANDOFF_RULES": str(rules),
        "HANDOFF_API_KEYS": f"{KEY}:read",
        "HANDOFF_SYNC_INTERVAL": "0",
        "HANDOFF_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-c", "from app.cli.main import main; main()", "serve"]
    server = subprocess.Popen([*command, "--port", str(port)], env=env, cwd=folder)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of process `pid` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _settle(pid: int, *, idle_share: float = 0.05, quiet: int = 3, limit: float = 180.0) -> float:
    """Wait until process `pid` uses under `idle_share` of a core in each of `quiet` seconds in
    a row (at most `limit` seconds); the seconds waited."""
    started, calm = time.monotonic(), 0
    while calm < quiet and time.monotonic() - started < limit:
        before = _cpu_seconds(pid)
        time.sleep(1)
        calm = calm + 1 if _cpu_seconds(pid) - before < idle_share else 0
    return time.monotonic() - started


def drive(base: str, seconds: float, clients: int) -> dict[str, float]:
    """GET /handoff/status from `clients` threads for `seconds`: requests/s and p99 latency."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        mine: list[float] = []
        with httpx.Client(base_url=base, headers={"X-API-Key": KEY}, timeout=30) as client:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                response = client.get("/handoff/status")
                mine.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    failures[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else latencies[0]
    return {
        "requests": len(latencies),
        "non_200": failures[0],
        "requests_per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": p99,
    }


def bench(kind: str, args: argparse.Namespace) -> None:
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-reports-"))
    folder.mkdir(parents=True, exist_ok=True)
    with database(kind, folder, keep=bool(args.keep), name=args.pg_database) as url:
        print(f"[{kind}] ", end="")
        ensure_loaded(url, args.rows)
        for name, value in time_reports(url, args.repeat).items():
            print(f"[{kind}] {name}={value:.1f}")
        with served(url, folder) as (base, pid):
            drive(base, 1, args.clients)  # warm-up: the first answer is computed, then kept
            # `handoff serve` computes the dashboard's kept figures when it starts (the funnel
            # alone is seconds of CPU at a million leads): measure the serving after that.
            settled = _settle(pid)
            print(f"[{kind}] the server's start-up work settled after {settled:.0f} s")
            used = _cpu_seconds(pid)
            figures = drive(base, args.drive_seconds, args.clients)
            # The server's CPU per answer: what a request costs whatever else the machine runs.
            used = _cpu_seconds(pid) - used
            figures["server_cpu_ms"] = 1000 * used / max(1, int(figures["requests"]))
        print(f"[{kind}] GET /handoff/status over loopback, {args.clients} clients, "
              f"{args.drive_seconds:.0f} s: " + " ".join(
                  f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}"
                  for k, v in figures.items()))  # fmt: skip
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--drive-seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--keep", metavar="DIR", help="keep the stores (SQLite file in DIR) and reuse them"
    )
    parser.add_argument(
        "--pg-database", default="handoff_bench_reports",
        help="the PostgreSQL database to load (one per person on a shared server)",
    )  # fmt: skip
    args = parser.parse_args()
    for kind in args.databases.split(","):
        bench(kind.strip(), args)


if __name__ == "__main__":
    main()
