"""Liveness and readiness, open to all (load balancers and orchestrators call them unauthenticated).

`/readyz` answers 503 with its reasons when the service cannot do its job: the database is not
reachable, its schema is behind, the rules file is invalid, or the last sync failed or is overdue.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.active_rules import ActiveRules
from app.api.examples import documented
from app.deps import NowDep, RulesDep, SessionDep, SettingsDep
from app.settings import Settings
from app.store import repo_runs
from app.store.db import ping
from app.store.migrate import schema_state

router = APIRouter(tags=["health"])

# A scheduled sync this many intervals late means the scheduler (or the org) is stuck.
OVERDUE_INTERVALS = 3


class Health(BaseModel):
    status: str


class LastSync(BaseModel):
    id: int
    state: str
    finished_at: datetime | None
    age_seconds: float | None


class Readiness(BaseModel):
    ready: bool
    reasons: list[str]
    database: bool
    schema_current: bool
    rules_valid: bool
    last_sync: LastSync | None


@router.get("/healthz", response_model=Health, responses=documented({"status": "ok"}))
def healthz() -> Health:
    """The process is up and answering. Says nothing about the database or Salesforce."""
    return Health(status="ok")


def _last_sync(session: Session, now: datetime) -> LastSync | None:
    run = repo_runs.last_finished_run(session)
    if run is None:
        return None
    age = (now - run.finished_at).total_seconds() if run.finished_at else None
    return LastSync(id=run.id, state=run.state, finished_at=run.finished_at, age_seconds=age)


def _sync_reasons(settings: Settings, last: LastSync | None) -> list[str]:
    if last is None:
        return []
    reasons = []
    if last.state == "failed":
        reasons.append(f"the last sync (run {last.id}) failed")
    limit = OVERDUE_INTERVALS * settings.sync_interval
    if settings.sync_interval and last.age_seconds is not None and last.age_seconds > limit:
        overdue = timedelta(seconds=int(last.age_seconds))
        reasons.append(f"the last sync finished {overdue} ago, over {limit} s")
    return reasons


def _rules_reasons(active: ActiveRules) -> list[str]:
    return active.problems[:5]


READY_EXAMPLE: dict[str, Any] = {
    "ready": True,
    "reasons": [],
    "database": True,
    "schema_current": True,
    "rules_valid": True,
    "last_sync": {"id": 41, "state": "succeeded", "finished_at": None, "age_seconds": 120.0},
}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={
        **documented(READY_EXAMPLE),
        503: {"model": Readiness, "description": "not ready; `reasons` says why"},
    },
)
def readyz(
    session: SessionDep, settings: SettingsDep, active: RulesDep, now: NowDep
) -> JSONResponse:
    """Ready when the database answers, its schema is current, the rules file is valid, and the
    last sync neither failed nor is overdue (three intervals). 503 with `reasons` otherwise."""
    reasons: list[str] = []
    last = None
    database = schema_current = False
    try:
        ping(session)
        database = True
        schema_current = schema_state(session.get_bind()).up_to_date  # type: ignore[arg-type]
        if not schema_current:
            reasons.append("the database schema is behind: run `handoff db upgrade`")
        else:
            last = _last_sync(session, now)
    except SQLAlchemyError as error:
        reasons.append(f"the database is unreachable ({type(error).__name__})")
    reasons += _rules_reasons(active) + _sync_reasons(settings, last)
    body = Readiness(
        ready=not reasons,
        reasons=reasons,
        database=database,
        schema_current=schema_current,
        rules_valid=active.valid,
        last_sync=last,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=503 if reasons else 200)
