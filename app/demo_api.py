"""The demo's API process part: the real FastAPI app, its scheduler, served on loopback.

`create_app` is used as is, with its own scheduler off: the stock sync runner reads the Salesforce
settings from the environment on every run, and the demo must never do that. So, once the app's
lifespan has built its resources, the demo swaps in a runner with the simulated org's settings and
starts the scheduler over it; the API's `POST /sync/runs` and the schedule then both sync the
simulated org.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from app.api.sync_runner import START_TIMEOUT_SECONDS, SyncNotStarted, SyncRunner, _StartSignal
from app.errors import HandoffError
from app.main import create_app
from app.scheduler import build_scheduler
from app.settings import SalesforceSettings, Settings

_START_TIMEOUT = 20.0


class DemoSyncRunner(SyncRunner):
    """A `SyncRunner` whose Salesforce settings are fixed (the simulated org's)."""

    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], sf_settings: SalesforceSettings
    ) -> None:
        super().__init__(settings, sessions)
        self.sf_settings = sf_settings

    def start(self, *, full: bool, dry_run: bool, trigger: str = "api") -> int:
        """Start a run in the background and return its id, as the stock runner does."""
        signal = _StartSignal()
        self._spawn(lambda: self._run(signal, self.sf_settings, full, dry_run, trigger))
        if not signal.event.wait(START_TIMEOUT_SECONDS):
            raise SyncNotStarted("the sync did not start in time; see the service log")
        if signal.error is not None:
            raise SyncNotStarted(str(signal.error))
        return self._run_id(signal, trigger)

    def scheduled_job(self) -> None:
        """One scheduled run against the simulated org."""
        self._run(_StartSignal(), self.sf_settings, False, False, "schedule")


def demo_app(settings: Settings, sf_settings: SalesforceSettings) -> FastAPI:
    """The service's app, syncing the simulated org on the demo's interval."""
    app = create_app(settings, start_scheduler=False)
    stock_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[None]:
        async with stock_lifespan(served):
            runner = DemoSyncRunner(settings, served.state.sessions, sf_settings)
            served.state.sync_runner = runner
            scheduler = build_scheduler(settings, runner.scheduled_job)
            if scheduler is not None:
                scheduler.start()
            try:
                yield
            finally:
                if scheduler is not None:
                    scheduler.shutdown(wait=True)
                runner.wait()

    app.router.lifespan_context = lifespan
    return app


def loopback_socket() -> socket.socket:
    """A listening socket on a free loopback port, bound now so the port cannot be taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@dataclass
class RunningApi:
    """uvicorn serving the app in a background thread; `stop()` shuts it down gracefully."""

    server: uvicorn.Server
    thread: threading.Thread

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=START_TIMEOUT_SECONDS + 30)


def start_api(app: FastAPI, sock: socket.socket) -> RunningApi:
    """Serve `app` on `sock` until stopped; returns once it answers requests."""
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", ws="none",
        timeout_graceful_shutdown=5,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="handoff-api", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise HandoffError("the demo API did not start; its error is logged above")
        time.sleep(0.02)
    return RunningApi(server, thread)
