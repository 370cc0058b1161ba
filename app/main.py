"""The FastAPI application: `create_app(settings)` builds it; nothing is built at import.

The lifespan owns the long-lived things (engine, sessionmaker, rules cache, metrics registry,
sync runner, scheduler) and puts them on `app.state`, where the dependencies in `app.deps` find
them. One process runs the API and, unless told not to, the scheduler: the sync job must not run
in several workers at once, so `handoff serve` runs a single worker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy.orm import Session, sessionmaker

from app.active_rules import RulesCache
from app.api import audit, errors, handoff, health, metrics, reports, routing, rules, sync
from app.api.examples import KEYED, UNAVAILABLE
from app.api.key_attempts import KeyAttempts
from app.api.request_guard import RequestGuard
from app.api.status_cache import StatusCache
from app.handoff.breach_outbox import deliver_outbox, outbox_policy
from app.metrics import build_registry
from app.reports.funnel import funnel as funnel_report
from app.run.background import Connector, SyncRunner
from app.run.backtest_jobs import BacktestJobs
from app.scheduler import build_scheduler
from app.settings import Settings, load_settings
from app.store import repo_runs
from app.store.db import make_engine, make_sessionmaker
from app.ui import routes as ui_routes
from app.ui.session import SessionSigner
from app.ui.snapshots import Snapshot
from app.ui.views import rules_key, ui_rules_report
from app.ui.warm import DashboardWarmer, PageFigures

log = logging.getLogger("handoff.api")

DESCRIPTION = """\
Handoff runs the marketing-to-sales lead handoff for a Salesforce org. These endpoints answer
RevOps' questions (is every MQL touched within the SLA; do MQLs win more often than other leads)
and let admins drive the service.

The dashboard for people is at `/ui` (sign in there with an API key).

Every endpoint except `/healthz`, `/readyz`, `/docs` and `/openapi.json` needs an API key from
`HANDOFF_API_KEYS`, sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Reports answer
JSON, or CSV with `Accept: text/csv` or `?format=csv`.
"""


def _deliver(settings: Settings, sessions: sessionmaker[Session]) -> None:
    """The scheduler's outbox job: breach notifications due now, outside any request."""
    deliver_outbox(sessions, datetime.now(UTC), outbox_policy(settings))


@contextmanager
def _resources(
    app: FastAPI, settings: Settings, start_scheduler: bool, connector: Connector | None
) -> Iterator[None]:
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    app.state.settings = settings
    app.state.engine = engine
    app.state.mark_reader = repo_runs.mark_reader(engine)
    app.state.sessions = sessions
    app.state.rules = RulesCache(settings.rules)
    app.state.status_cache = StatusCache()
    app.state.metrics = build_registry(sessions, app.state.rules)
    app.state.metrics.register(app.state.key_attempts)
    app.state.sync_runner = SyncRunner(settings, sessions, connector)
    app.state.ui_sessions = SessionSigner(settings)
    app.state.ui_funnel = Snapshot(lambda session, _key: funnel_report(session), sessions)
    app.state.ui_rules = Snapshot(ui_rules_report, sessions)
    app.state.ui_figures = PageFigures()
    app.state.backtests = BacktestJobs(sessions, settings.backtest_inline_leads)
    scheduler = None
    if start_scheduler:
        scheduler = build_scheduler(
            settings, app.state.sync_runner.scheduled_job, partial(_deliver, settings, sessions)
        )
    if scheduler is not None:
        scheduler.start()
    warmer = None
    if start_scheduler:  # a serving process: the dashboard's heavy figures, before anyone asks
        app.state.ui_funnel.warm()
        app.state.ui_rules.warm(rules_key(app.state.rules.current()))
        warmer = DashboardWarmer(app)
        warmer.start()
    try:
        yield
    finally:
        # SIGTERM: `handoff serve` gave requests in flight the first half of
        # HANDOFF_SHUTDOWN_SECONDS; running syncs get the second to reach a safe point.
        app.state.sync_runner.stop.set()
        if warmer is not None:
            warmer.stop()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        app.state.sync_runner.shutdown(settings.shutdown_seconds / 2)
        app.state.ui_funnel.wait()
        app.state.ui_rules.wait()
        app.state.backtests.shutdown()
        engine.dispose()


def create_app(
    settings: Settings | None = None,
    *,
    start_scheduler: bool = True,
    connector: Connector | None = None,
) -> FastAPI:
    """The API over the store named in `settings` (read from the environment when None).

    `connector` opens the org for syncs (the demo fixes it on its simulated org); by default
    each run reads `SF_*` afresh.
    """
    chosen = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        with _resources(app, chosen, start_scheduler, connector):
            yield

    # `/docs` with Swagger UI's scripts and styles served from the fastapi-offline package, not
    # from a CDN, so the docs work where nothing outside is reachable. ReDoc is left out: the
    # SPEC names `/docs` only.
    app = FastAPIOffline(
        title="Handoff",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        redoc_url=None,
        static_url="/docs/assets",
        favicon_url="/ui/static/favicon.svg",
    )
    app.state.key_attempts = KeyAttempts()
    app.include_router(health.router, responses=UNAVAILABLE)
    for module in (handoff, reports, sync, rules, audit, routing, metrics):
        app.include_router(module.router, responses=KEYED)
    ui_routes.install(app)
    errors.install(app)
    app.add_middleware(RequestGuard)
    return app
