"""Sync runs: start one now (admin), list them, read one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Request, status
from pydantic import BaseModel, ConfigDict, StrictBool

from app.api.auth import AdminAccess, ReadAccess
from app.api.examples import documented
from app.api.pagination import CursorQuery, LimitQuery, Page, decode_id_cursor, encode_cursor
from app.deps import SessionDep
from app.run.background import SyncNotStarted, SyncRunner
from app.store import repo_runs

router = APIRouter(prefix="/sync/runs", tags=["sync"])


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full: StrictBool = False
    dry_run: StrictBool = False


class SyncStarted(BaseModel):
    id: int
    state: str


class RunView(BaseModel):
    """A run record: state, what it counted, and in words what happened."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    state: str
    trigger: str
    full: bool
    dry_run: bool
    started_at: datetime
    finished_at: datetime | None
    rules_version: str | None
    rules_hash: str | None
    counts: dict[str, Any]
    message: str | None
    error_kind: str | None


RUN_EXAMPLE = {
    "id": 41,
    "state": "succeeded",
    "trigger": "schedule",
    "full": False,
    "dry_run": False,
    "started_at": "2026-11-23T18:00:00Z",
    "finished_at": "2026-11-23T18:00:09Z",
    "rules_version": "7",
    "rules_hash": "9f2c...e1",
    "counts": {"pulled": {"Lead": 120}, "qualified": 8, "promoted": 5, "failed": 0},
    "message": None,
    "error_kind": None,
}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SyncStarted,
    dependencies=AdminAccess,
    summary="Start a sync now",
    responses={
        **documented({"id": 42, "state": "running"}, status=202),
        409: {"description": "a sync is running (any process or replica), or it cannot start"},
    },
)
def start_sync(
    request: Request,
    body: Annotated[
        SyncRequest,
        Body(examples=[{"full": False, "dry_run": False}]),
    ] = SyncRequest(),  # noqa: B008 - an immutable default body
) -> SyncStarted:
    """Start a sync in the background and answer 202 with its run id at once; follow it with
    `GET /sync/runs/{id}`. `full` re-reads everything; `dry_run` decides without writing (a
    run is a dry run anyway unless `HANDOFF_WRITE_MODE=live`). 409 when a sync is running."""
    runner: SyncRunner = request.app.state.sync_runner
    try:
        run_id = runner.start(full=body.full, dry_run=body.dry_run)
    except SyncNotStarted as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from None
    return SyncStarted(id=run_id, state="running")


@router.get(
    "",
    response_model=Page[RunView],
    dependencies=ReadAccess,
    summary="Sync runs, newest first",
    responses=documented({"items": [RUN_EXAMPLE], "next_cursor": None}),
)
def list_runs(
    session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[RunView]:
    """Every recorded run, newest first, with its state and counts."""
    before = None
    if cursor is not None:
        before = decode_id_cursor(cursor)
    runs = repo_runs.runs_page(session, before=before, limit=limit + 1)
    page = runs[:limit]
    next_cursor = encode_cursor(page[-1].id) if len(runs) > limit else None
    return Page[RunView](items=[RunView.model_validate(r) for r in page], next_cursor=next_cursor)


@router.get(
    "/{run_id}",
    response_model=RunView,
    dependencies=ReadAccess,
    summary="One sync run",
    responses={**documented(RUN_EXAMPLE), 404: {"description": "no run with this id"}},
)
def get_run(
    session: SessionDep,
    run_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="the run's id", examples=[41])],
) -> RunView:
    """The run's state (running, succeeded, partial, failed, interrupted), its counts (pulled,
    qualified, promoted, reassigned, skipped, failed, API calls) and its message."""
    run = repo_runs.get_run(session, run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no sync run {run_id}")
    return RunView.model_validate(run)
