"""`handoff sync [--full] [--dry-run]`: one sync now, the same `run_sync` the scheduler calls.

On a terminal a bar per object shows records stored against the total Salesforce announced, with
the time left, and the run ends with a summary in sentences (`app.cli.sync_summary`); elsewhere
only the summary's `key=value` lines are printed, for scripts and log collectors, and `--json`
prints them as one object. Exit status: 0 done,
3 partial (writes queued for retry), 1 failed, 75 another sync holds the lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from app.cli.context import open_store
from app.cli.output import Output
from app.cli.sync_summary import RunStory, render
from app.errors import ExitCode, HandoffError
from app.reports.run_routes import owners_by_route
from app.run import run_sync
from app.salesforce import connect
from app.settings import load_salesforce_settings, load_settings
from app.store import repo_runs
from app.store.models import SyncRun
from app.sync import pull


@contextmanager
def progress_display(out: Output) -> Iterator[pull.Progress | None]:
    """On a terminal, a bar per object with its total and time left; nothing otherwise.

    The total is what Salesforce announced (`totalSize`) for the object's query; until the first
    page arrives, or when no total is known, the bar pulses.
    """
    if not out.terminal:
        yield None
        return
    columns = (
        TextColumn("{task.description:<13}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("records"),
        TimeRemainingColumn(compact=True),
    )
    with Progress(*columns, console=out.console) as display:
        tasks: dict[str, Any] = {}

        def update(sobject: str, stored: int, expected: int | None) -> None:
            if sobject not in tasks:
                tasks[sobject] = display.add_task(sobject, total=None)
            total = None if expected is None else max(expected, stored)
            display.update(tasks[sobject], completed=stored, total=total)

        yield update


def summary(run: SyncRun) -> dict[str, Any]:
    """The run's figures, flat, in a stable order (the plain output's keys)."""
    counts = dict(run.counts or {})
    fields: dict[str, Any] = {"run_id": run.id, "state": run.state}
    fields |= {"full": run.full, "dry_run": run.dry_run}
    for sobject, number in sorted((counts.pop("pulled", None) or {}).items()):
        fields[f"pulled_{sobject}"] = number
    for sobject, number in sorted((counts.pop("deleted", None) or {}).items()):
        fields[f"deleted_{sobject}"] = number
    for field, number in sorted((counts.pop("held_by_field", None) or {}).items()):
        fields[f"held_missing_{field}"] = number
    usage = counts.pop("api_usage", None) or {}
    fields |= counts
    fields |= {"api_used": usage.get("used"), "api_max": usage.get("max")}
    if run.finished_at is not None:
        fields["seconds"] = round((run.finished_at - run.started_at).total_seconds(), 1)
    fields["message"] = run.message
    return fields


def sync_command(
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Re-read every record, and check every open lead against the rules."
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Decide and record, write nothing (even when live).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> int:
    """Pull the org's changes, decide, and (live) write back; one run, now."""
    settings = load_settings()
    sf_settings = load_salesforce_settings()
    engine, sessions = open_store(settings)
    out = Output(as_json=as_json)
    try:
        with progress_display(out) as progress:
            run = run_sync(
                settings,
                sessions,
                lambda: connect(sf_settings, settings, sessions),
                full=full,
                dry_run=dry_run,
                trigger="cli",
                now=lambda: datetime.now(UTC),
                progress=progress,
            )
        if out.terminal:
            with sessions() as session:
                story = RunStory(
                    fields=summary(run),
                    counts=dict(run.counts or {}),
                    routes=owners_by_route(session, run.id),
                    permanent_failures=repo_runs.permanent_failures(session, run.id),
                )
            for line in render(story):
                out.line(line)
        else:
            out.record(f"Sync run {run.id}", summary(run))
    finally:
        engine.dispose()
    if run.state == "failed":
        raise HandoffError(run.message or "the sync failed")
    return ExitCode.PARTIAL if run.state == "partial" else ExitCode.OK
