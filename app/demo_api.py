"""The demo's API process part: the real FastAPI app, its scheduler, served on loopback.

`create_app` is used as is, with its own scheduler off: its sync runner reads the Salesforce
settings from the environment and connects through any proxy the environment names, and the demo
must do neither. So, once the app's lifespan has built its resources, the demo swaps in a runner
fixed on the simulated org and starts the scheduler over it; the API's `POST /sync/runs` and the
schedule then both sync the simulated org, and only it.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from app.api.sync_runner import START_TIMEOUT_SECONDS, SyncRunner, _StartSignal
from app.demo_org import sim_connection
from app.errors import HandoffError, SyncLocked
from app.main import create_app
from app.scheduler import build_scheduler
from app.settings import SalesforceSettings, Settings
from app.sync.run import run_sync
from sf_client import SalesforceClient

log = logging.getLogger("handoff.sync")

_START_TIMEOUT = 20.0


class DemoSyncRunner(SyncRunner):
    """A `SyncRunner` for the simulated org: fixed settings, and `sim_connection` to reach it."""

    def _connect(self) -> AbstractContextManager[SalesforceClient]:
        assert self.fixed_sf_settings is not None
        return sim_connection(self.fixed_sf_settings, self.settings)

    def scheduled_job(self) -> None:
        """One scheduled run against the simulated org (the scheduler logs how it ended)."""
        run_sync(self.settings, self.sessions, self._connect, trigger="schedule")

    def _run(
        self,
        signal: _StartSignal,
        sf_settings: SalesforceSettings,
        full: bool,
        dry_run: bool,
        trigger: str,
    ) -> None:
        """As the stock runner does, but connecting with `sim_connection`."""
        del sf_settings  # fixed at construction
        try:
            run_sync(self.settings, self.sessions, self._connect, full=full, dry_run=dry_run,
                     trigger=trigger, now=signal.now)  # fmt: skip
        except SyncLocked as locked:
            signal.failed(locked)
        except Exception as error:  # the run record already says what happened
            signal.failed(error)
            log.error("sync run (%s) ended with an error", trigger, exc_info=error)


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
