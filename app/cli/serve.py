"""`handoff serve`: the API and the scheduler in one process, on one uvicorn worker.

One worker, because the scheduler lives in the process: several workers would each run the sync
job (the lock would keep them from overlapping, but they would queue up needlessly). Scale out
with replicas instead; the database lock keeps their syncs apart.
"""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from app.cli.context import open_store
from app.main import create_app
from app.settings import load_settings


def serve_command(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (HANDOFF_HOST).")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", min=1, max=65535, help="Port to listen on (HANDOFF_PORT)."),
    ] = None,
) -> None:
    """Serve the HTTP API and run the scheduled sync in the same process."""
    overrides = {name: value for name, value in (("host", host), ("port", port)) if value}
    settings = load_settings(**overrides)
    engine, _sessions = open_store(settings)  # refuse a missing or stale schema before serving
    engine.dispose()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        workers=1,
        log_level=settings.log_level.lower(),
        # Request lines only: keys travel in headers, which uvicorn does not log.
        access_log=True,
        lifespan="on",
        # SIGTERM: requests in flight get half of HANDOFF_SHUTDOWN_SECONDS, then the lifespan
        # gives running syncs the other half to stop at a safe point (`app.main`).
        timeout_graceful_shutdown=max(1, int(settings.shutdown_seconds / 2)),
    )
