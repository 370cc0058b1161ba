"""`handoff demo`: the whole loop against a simulated org, from nothing to a served API.

Steps: start `sfsim` (seeded, HTTPS on loopback); build settings from explicit values only (see
`app.demo.settings`); serve a breach-webhook receiver on loopback (`app.demo.webhook`); write
the sample rules into the demo folder with the org's Ids; migrate a fresh SQLite store; run one
live sync; start the API with its scheduler; print the summary, an
admin key and the addresses. Ctrl-C (or SIGTERM) stops the API, the scheduler and `sfsim`, in that
order, and the command exits 0.

The store is recreated on every run because the simulated org is: a store kept from an earlier
run would hold watermarks and decisions about an org that no longer exists.
"""

from __future__ import annotations

import fcntl
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from app.demo.api import RunningApi, demo_app, loopback_socket, start_api
from app.demo.backtest import SKIPPED, demo_backtest, render_backtest, write_stricter
from app.demo.org import (
    org_placeholders,
    render_rules,
    sample_rules,
    sim_connection,
    simulated_org,
)
from app.demo.settings import DB_FILE, demo_salesforce_settings, demo_settings, new_admin_key
from app.demo.summary import render, summarise
from app.demo.webhook import demo_webhook
from app.errors import HandoffError
from app.handoff.rules_file import load_rules
from app.run import run_sync
from app.settings import SalesforceSettings, Settings
from app.store.db import make_engine, make_sessionmaker
from app.store.migrate import upgrade
from app.store.models import SyncRun

Echo = Callable[[str], None]
READY_LINE = "Handoff demo ready"
LOCK_FILE = ".handoff-demo.lock"


@dataclass(frozen=True)
class DemoOptions:
    folder: Path
    serve: bool = True


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold the demo folder for this run: a second demo there would delete a live store."""
    handle = (folder / LOCK_FILE).open("a", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise HandoffError(
                f"another handoff demo is running in {folder}; stop it, or pass --dir"
            ) from None
        yield
    finally:
        handle.close()


def _fresh_store(folder: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        (folder / f"{DB_FILE}{suffix}").unlink(missing_ok=True)


def _write_rules(settings: Settings, sf_settings: SalesforceSettings, echo: Echo) -> None:
    """Write the sample rules for this org, unless the folder already holds an edited copy."""
    if settings.rules.exists():
        echo(f"Keeping the rules file {settings.rules} (delete it to get the sample back).")
        return
    with sim_connection(sf_settings, settings) as sf:
        text = render_rules(sample_rules(), org_placeholders(sf))
    settings.rules.write_text(text, encoding="utf-8")
    echo(f"Wrote the sample rules to {settings.rules}.")


def _sync_and_summarise(settings: Settings, sf_settings: SalesforceSettings) -> list[str]:
    """Migrate the store, run one live sync, and read the summary back from the store."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        run: SyncRun = run_sync(
            settings, sessions, lambda: sim_connection(sf_settings, settings), trigger="demo"
        )
        if run.state not in ("succeeded", "partial"):
            raise HandoffError(f"the demo sync {run.state}: {run.message}")
        ruleset = load_rules(settings.rules)
        stricter = write_stricter(settings.rules)
        with sessions() as session:
            lines = render(summarise(session, run, ruleset, datetime.now(UTC)))
            if stricter is None:
                return lines + SKIPPED
            return lines + render_backtest(demo_backtest(session, stricter, ruleset), stricter)
    finally:
        engine.dispose()


def _addresses(settings: Settings, org_url: str, admin_key: str) -> list[str]:
    api = f"http://{settings.host}:{settings.port}"
    return [
        f"Admin API key (new for this run): {admin_key}",
        "Open:",
        f"  dashboard     {api}/ui  (sign in with the admin key above)",
        f"  API docs      {api}/docs",
        f"  SLA status    {api}/handoff/status",
        f"  win/loss      {api}/reports/win-loss",
        f"  readiness     {api}/readyz",
        f"  sfsim org     {org_url}/__sfsim__/state (simulated Salesforce, HTTPS)",
        f'  try: curl -H "Authorization: Bearer {admin_key}" {api}/handoff/status',
        f"The scheduler syncs the simulated org every {settings.sync_interval} s. "
        "Ctrl-C stops everything.",
    ]


def _serve_until_stopped(api: RunningApi, echo: Echo) -> None:
    """Wait for Ctrl-C or SIGTERM (or the API dying), then stop the API and its scheduler.

    Both signals only set an event while serving, so the stop is always the graceful one, and
    Ctrl-C works even where the shell started the demo with SIGINT ignored.
    """
    stop = threading.Event()

    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while api.alive and not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    echo("Stopping the API, the scheduler and the simulated org...")
    api.stop()


def run_demo(options: DemoOptions, echo: Echo) -> None:
    """Run the demo; returns after `--no-serve`'s summary, or when stopped."""
    started = time.monotonic()
    folder = options.folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    admin_key = new_admin_key()
    sock = loopback_socket() if options.serve else None
    port = sock.getsockname()[1] if sock is not None else 8000
    try:
        with _folder_lock(folder), simulated_org() as server, demo_webhook() as webhook:
            _fresh_store(folder)
            echo(f"Simulated org (sfsim, seed 'demo') at {server.base_url}.")
            sf_settings = demo_salesforce_settings(
                server.base_url, server.access_token, server.ca_file
            )
            settings = demo_settings(folder, admin_key=admin_key, port=port)
            _write_rules(settings, sf_settings, echo)
            summary = _sync_and_summarise(settings, sf_settings)
            summary.append(
                f"  the demo's webhook receiver ({webhook.url}) got {webhook.distinct} "
                "breach notifications"
            )
            api = None if sock is None else start_api(demo_app(settings, sf_settings), sock)
            for line in summary:
                echo(line)
            if api is None:
                echo(f"Demo folder: {folder} (--no-serve: nothing left running).")
                echo(f"{READY_LINE} in {time.monotonic() - started:.1f} s.")
                return
            for line in _addresses(settings, server.base_url, admin_key):
                echo(line)
            echo(f"{READY_LINE} in {time.monotonic() - started:.1f} s.")
            _serve_until_stopped(api, echo)
    finally:
        if sock is not None:
            sock.close()
    echo("Stopped.")
