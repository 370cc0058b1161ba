"""The demo's API process part: the real FastAPI app, its scheduler, served on loopback.

`create_app` is used as is, with a connector fixed on the simulated org: the stock one reads the
Salesforce settings from the environment and connects through any proxy the environment names,
and the demo must do neither. `POST /sync/runs` and the schedule then both sync the simulated
org, and only it.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from app.demo.org import sim_connection
from app.errors import HandoffError
from app.main import create_app
from app.run.background import START_TIMEOUT_SECONDS
from app.settings import SalesforceSettings, Settings

log = logging.getLogger("handoff.sync")

_START_TIMEOUT = 20.0


def demo_app(settings: Settings, sf_settings: SalesforceSettings) -> FastAPI:
    """The service's app, its syncs (scheduled and `POST /sync/runs`) fixed on the simulated org."""
    return create_app(settings, connector=lambda: sim_connection(sf_settings, settings))


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
