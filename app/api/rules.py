"""The rules endpoints: what is active, whether a draft is valid, what a draft would change."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from app.api.auth import AdminAccess, ReadAccess
from app.api.examples import documented
from app.api.formats import FormatQuery, csv_response, wants_csv
from app.api.outcome_examples import BACKTEST_EXAMPLE, BACKTEST_JOB_EXAMPLE
from app.api.periods import FromQuery, ToQuery, period
from app.api.simulation import SIMULATION_EXAMPLE, Simulation, parse_draft, simulate_draft
from app.deps import NowDep, RulesDep, SessionDep, SettingsDep
from app.reports.outcome_csv import backtest_csv
from app.reports.outcome_models import Backtest, BacktestJob
from app.run.backtest_jobs import BacktestJobs, Started
from app.store import repo_backtests
from app.store.models import BacktestJob as BacktestJobRow
from rules import RulesInvalid, parse_rules, pattern_warnings
from rules.check import routing_warnings
from rules.yaml_limits import MAX_RULES_BYTES

router = APIRouter(prefix="/rules", tags=["rules"])

RULES_YAML_EXAMPLE = """\
version: 8
statuses:
  mql: "Marketing Qualified"
  eligible_from: ["Open - Not Contacted", "Nurturing"]
  accepted: ["Sales Qualified", "Working - Contacted"]
  rejected: ["Closed - Not Converted"]
fit:
  - {field: NumberOfEmployees, op: gte, value: 100, points: 30}
interest:
  - {field: LeadSource, op: in, value: ["Webinar"], points: 25}
thresholds: {fit: 30, interest: 25}
assignment:
  routes:
    - pool: ["00G000000000001EAA"]
sla: {first_touch_hours: 24, stale_days: 14}
"""

RulesBody = Annotated[
    str,
    Body(
        media_type="application/yaml",
        description="a rules file (YAML), as `HANDOFF_RULES` would hold it",
        examples=[RULES_YAML_EXAMPLE],
        max_length=MAX_RULES_BYTES,
    ),
]


class ActiveRulesView(BaseModel):
    path: str
    valid: bool
    version: str | None
    content_hash: str | None
    problems: list[str]
    rules: dict[str, Any] | None


class Problem(BaseModel):
    line: int | None
    place: str
    message: str


class Validation(BaseModel):
    valid: bool
    version: str | None
    content_hash: str | None
    errors: list[Problem]
    warnings: list[Problem]


@router.get(
    "",
    response_model=ActiveRulesView,
    dependencies=ReadAccess,
    summary="The active rules file: version, hash, validity and content",
    responses=documented(
        {
            "path": "rules.yaml",
            "valid": True,
            "version": "7",
            "content_hash": "9f2c...e1",
            "problems": [],
            "rules": {"version": 7, "thresholds": {"fit": 40, "interest": 25}},
        }
    ),
)
def get_rules(active: RulesDep) -> ActiveRulesView:
    """The rules file the next sync will use (`HANDOFF_RULES`), as parsed now: its version and
    content hash, whether it is valid, its problems (`FILE:LINE: place: message`) if not, and its
    content as JSON if it is."""
    model = active.ruleset.model.model_dump(mode="json") if active.ruleset else None
    return ActiveRulesView(
        path=active.path,
        valid=active.valid,
        version=active.version,
        content_hash=active.content_hash,
        problems=active.problems,
        rules=model,
    )


@router.post(
    "/validate",
    response_model=Validation,
    dependencies=ReadAccess,
    summary="Validate a rules file without activating it",
    responses=documented(
        {
            "valid": False,
            "version": None,
            "content_hash": None,
            "errors": [{"line": 9, "place": "fit[1].value", "message": "not a valid regex"}],
            "warnings": [],
        }
    ),
)
def validate_rules(text: RulesBody) -> Validation:
    """Check a rules file as `handoff rules check` does: 200 with `valid` and every error and
    warning, each with its line and place (like `fit[1].value`). Nothing is stored."""
    try:
        ruleset = parse_rules(text)
    except RulesInvalid as invalid:
        found = [Problem(line=i.line, place=i.place, message=i.message) for i in invalid.issues]
        errors = [p for p, i in zip(found, invalid.issues, strict=True) if i.severity == "error"]
        warnings = [p for p in found if p not in errors]
        return Validation(
            valid=False, version=None, content_hash=None, errors=errors, warnings=warnings
        )
    return Validation(
        valid=True,
        version=str(ruleset.version),
        content_hash=ruleset.content_hash,
        errors=[],
        warnings=[
            Problem(line=i.line, place=i.place, message=i.message)
            for i in [*pattern_warnings(ruleset), *routing_warnings(ruleset)]
        ],
    )


@router.post(
    "/simulate",
    response_model=Simulation,
    dependencies=AdminAccess,
    summary="What a draft rules file would do over the stored leads, without writing",
    responses=documented(SIMULATION_EXAMPLE),
)
def simulate_rules(
    text: RulesBody, session: SessionDep, active: RulesDep, settings: SettingsDep
) -> Simulation:
    """Decide every stored open lead with the draft and with the active rules, as a run would
    (round-robin positions and owner capacity included, none used up): how many would be MQL or
    held, by route and by owner, and how many leads the draft decides differently. Writes
    nothing. A draft that does not parse is a 422 on the body with every problem."""
    return simulate_draft(session, text, active.ruleset, go_live_after=settings.go_live_after)


# A running job older than this is reported failed: its process stopped (a million leads take
# about a minute).
STALE_JOB = timedelta(hours=1)

BACKTEST_CSV_EXAMPLE = (
    "from,to,section,rules,rule,name,group,leads,converted,conversion_rate,...\r\n"
    "2026-01-01,2026-06-30,side,candidate,,,mql,200,100,0.5,...\r\n"
)


def _backtests(request: Request) -> BacktestJobs:
    jobs: BacktestJobs = request.app.state.backtests
    return jobs


def _job_view(job: BacktestJobRow, now: datetime | None = None) -> BacktestJob:
    state, error = job.state, job.error
    if state == "running" and now is not None and now - job.created_at > STALE_JOB:
        # A process that stopped mid-run never finishes its job: say so rather than wait forever.
        state, error = "failed", f"not finished after {STALE_JOB}: the service may have stopped"
    return BacktestJob(
        job=job.id,
        state=state,
        created_at=job.created_at,
        finished_at=job.finished_at,
        leads=job.leads,
        poll=f"/rules/backtest/{job.id}",
        error=error,
        result=job.result,
    )


@router.post(
    "/backtest",
    response_model=Backtest,
    dependencies=AdminAccess,
    summary="What a candidate rules file would have made of a period's leads, and how they won",
    responses={
        **documented(BACKTEST_EXAMPLE, BACKTEST_CSV_EXAMPLE),
        202: {"model": BacktestJob, "description": "a large period: a job to poll"},
    },
)
def backtest_rules(
    request: Request,
    text: RulesBody,
    session: SessionDep,
    active: RulesDep,
    start: FromQuery = None,
    end: ToQuery = None,
    format_: Annotated[FormatQuery, Query(alias="format")] = None,
) -> Backtest | Response:
    """Decide every stored lead created in the period (by `CreatedDate`, inclusive) with the
    candidate and with the active rules, and report side by side: MQLs and non-MQLs with their
    conversion to opportunity, closed and won opportunities, win rates with 95% Wilson intervals,
    the candidate's MQL against non-MQL win rate by a pooled two-proportion z-test, the leads
    that change side (with sample Ids), and per rule the leads it matched against those it did
    not (`too_small` when a side closed too few deals to say). Leads are judged on today's field
    values, which the report says. Up to `HANDOFF_BACKTEST_INLINE_LEADS` leads are answered at
    once; a larger period answers 202 with a job to poll at `GET /rules/backtest/{job}`. An
    invalid candidate is a 422 with every placed error; nothing is stored but the job."""
    start, end = period(start, end)
    candidate = parse_draft(text)
    found = _backtests(request).run(session, candidate, active.ruleset, start, end)
    if isinstance(found, Started):
        view = _job_view(found.job)
        return JSONResponse(
            view.model_dump(mode="json"), status_code=202, headers={"Location": view.poll}
        )
    if wants_csv(request, format_):
        return csv_response(backtest_csv(found), "backtest")
    return found


@router.get(
    "/backtest/{job}",
    response_model=BacktestJob,
    dependencies=AdminAccess,
    summary="A backtest job: running, or its result",
    responses={
        **documented(BACKTEST_JOB_EXAMPLE),
        404: {"description": "no backtest job with this id"},
    },
)
def backtest_job(job: str, session: SessionDep, now: NowDep) -> BacktestJob:
    """The job `POST /rules/backtest` answered with a 202: `running` until the backtest is done,
    then `succeeded` with the backtest in `result` (or `failed` with the reason)."""
    found = repo_backtests.get_job(session, job) if len(job) <= 32 else None
    if found is None:
        raise HTTPException(status_code=404, detail=f"no backtest job {job!r}")
    return _job_view(found, now)
