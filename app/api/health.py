"""Liveness and readiness, open to all (load balancers and orchestrators call them unauthenticated).

`/readyz` answers 503 with its reasons when the service cannot do its job: the database is not
reachable, its schema is behind, the rules file is invalid, or the last sync failed or is overdue.
Without a key it says only that, in codes: the rules file's path and problems and the last run
are for callers with a key. `database` is in both, since orchestrators and dashboards read it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.api.auth import OptionalRole
from app.api.examples import documented
from app.deps import NowDep, RulesDep, SessionDep, SettingsDep
from app.errors import environment_problem
from app.settings import Settings
from app.store import repo_runs
from app.store.db import ping
from app.store.migrate import schema_state

log = logging.getLogger("handoff.api")
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


# Past this share of the org's daily allocation (or of Handoff's budget), /readyz warns.
API_WARN_SHARE = 0.8


class ReadinessDetail(BaseModel):
    """What only a caller with a key sees: the reasons in words, and the state behind them."""

    reasons: list[str]
    warnings: list[str]
    database: bool
    schema_current: bool
    rules_valid: bool
    last_sync: LastSync | None


class Readiness(BaseModel):
    ready: bool
    reasons: list[str]
    database: bool
    detail: ReadinessDetail | None = None


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


def _sync_reasons(settings: Settings, last: LastSync | None) -> list[tuple[str, str]]:
    if last is None:
        return []
    reasons = []
    if last.state == "failed":
        reasons.append(("last_sync_failed", f"the last sync (run {last.id}) failed"))
    limit = OVERDUE_INTERVALS * settings.sync_interval
    if settings.sync_interval and last.age_seconds is not None and last.age_seconds > limit:
        overdue = timedelta(seconds=int(last.age_seconds))
        reasons.append(("sync_overdue", f"the last sync finished {overdue} ago, over {limit} s"))
    return reasons


def _usage_warnings(session: Session) -> list[str]:
    run = repo_runs.last_finished_run(session)
    return api_warnings(run.counts or {}) if run is not None else []


def api_warnings(counts: dict[str, Any]) -> list[str]:
    """Warnings (not reasons: the service still works) when API usage passes 80%."""
    api = counts.get("api_usage") or {}
    used, maximum, own, budget = (api.get(k) for k in ("used", "max", "own_used", "budget_percent"))
    warnings = []
    if isinstance(maximum, int | float) and maximum > 0:
        if isinstance(used, int | float) and used / maximum > API_WARN_SHARE:
            warnings.append(
                f"the org has used {used / maximum:.0%} of its daily API allocation "
                f"({used:,} of {maximum:,})"
            )
        if isinstance(own, int | float) and isinstance(budget, int | float) and budget > 0:
            allowed = maximum * budget / 100
            if own / allowed > API_WARN_SHARE:
                warnings.append(
                    f"Handoff has used {own / allowed:.0%} of its API budget ({own:,} of "
                    f"{int(allowed):,} requests, HANDOFF_API_BUDGET_PERCENT={budget:g})"
                )
    return warnings


def _database_reasons(
    session: Session, now: datetime
) -> tuple[bool, bool, LastSync | None, list[tuple[str, str]]]:
    """(database answers, schema current, last run, reasons): the database counts as up only
    when it reads its own tables, so a corrupt SQLite file is down, not up and unreadable."""
    try:
        ping(session)
        schema_current = schema_state(session.get_bind()).up_to_date  # type: ignore[arg-type]
        if not schema_current:
            return True, False, None, [("schema_behind", SCHEMA_BEHIND)]
        return True, True, _last_sync(session, now), []
    except SQLAlchemyError as error:
        problem = environment_problem(error) or f"the database failed ({type(error).__name__})"
        log.warning("readiness: %s", problem)
        return False, False, None, [("database_unreachable", problem)]


SCHEMA_BEHIND = "the database schema is behind: run `handoff db upgrade`"

READY_EXAMPLE: dict[str, Any] = {
    "ready": True,
    "reasons": [],
    "detail": {
        "reasons": [],
        "warnings": [],
        "database": True,
        "schema_current": True,
        "rules_valid": True,
        "last_sync": {"id": 41, "state": "succeeded", "finished_at": None, "age_seconds": 120.0},
    },
}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={
        **documented(READY_EXAMPLE),
        503: {"model": Readiness, "description": "not ready; `reasons` says why, in codes"},
    },
)
def readyz(
    session: SessionDep, settings: SettingsDep, active: RulesDep, now: NowDep, role: OptionalRole
) -> JSONResponse:
    """Ready when the database answers, its schema is current, the rules file is valid, and the
    last sync neither failed nor is overdue (three intervals); 503 otherwise. Anyone sees
    `ready` and short reason codes (`database_unreachable`, `schema_behind`, `rules_invalid`,
    `last_sync_failed`, `sync_overdue`); a caller with an API key also sees `detail`: each
    reason in words, the rules file's problems, the last run, and `warnings` (still 200) when
    the org's API usage, or Handoff's share of its budget, passed 80% as of the newest run."""
    database, schema_current, last, reasons = _database_reasons(session, now)
    if not active.valid:
        reasons += [("rules_invalid", problem) for problem in active.problems[:5]]
    reasons += _sync_reasons(settings, last)
    codes = list(dict.fromkeys(code for code, _ in reasons))
    detail = None
    if role is not None:
        detail = ReadinessDetail(
            reasons=[words for _, words in reasons],
            warnings=_usage_warnings(session) if database and schema_current else [],
            database=database,
            schema_current=schema_current,
            rules_valid=active.valid,
            last_sync=last,
        )
    body = Readiness(ready=not reasons, reasons=codes, database=database, detail=detail)
    return JSONResponse(body.model_dump(mode="json"), status_code=503 if reasons else 200)
