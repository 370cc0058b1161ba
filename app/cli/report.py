"""`handoff report win-loss`: the API's win/loss report from the command line, no server needed.

The numbers come from the same `app.reports.winloss.win_loss` as `GET /reports/win-loss`, so a
table, the JSON and the CSV all agree with the API. Needs no Salesforce settings.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer

from app.cli.context import open_store
from app.cli.output import Output
from app.cli.periods import (
    ClosedFrom,
    ClosedTo,
    CreatedFrom,
    CreatedTo,
    DecidedFrom,
    DecidedTo,
    period_days,
)
from app.handoff.rules_file import RulesFileError, load_rules
from app.reports.calibration import calibration
from app.reports.csv_rows import WIN_LOSS_COLUMNS, win_loss_csv, win_loss_rows
from app.reports.models import WinLoss
from app.reports.outcome_csv import (
    CALIBRATION_COLUMNS,
    calibration_csv,
    calibration_rows,
    shadow_csv,
)
from app.reports.shadow import shadow_report
from app.reports.winloss import win_loss
from app.settings import load_settings
from rules import RuleSet

report_app = typer.Typer(
    help="Reports from the store (no Salesforce needed).", no_args_is_help=True
)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class GroupBy(StrEnum):
    QUARTER = "quarter"
    MONTH = "month"
    LEAD_SOURCE = "lead_source"
    OWNER = "owner"


@report_app.command("win-loss")
def win_loss_command(
    start: ClosedFrom = None,
    end: ClosedTo = None,
    group_by: Annotated[
        GroupBy | None, typer.Option("--group-by", help="Also split by this key.")
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="How to print it.")] = Format.TABLE,
) -> None:
    """Win rate of all closed opportunities against those that did not start as MQLs."""
    first, last = period_days(start, end)
    settings = load_settings()
    engine, sessions = open_store(settings)
    try:
        with sessions() as session:
            report = win_loss(
                session, start=first, end=last, group_by=group_by.value if group_by else None
            )
    finally:
        engine.dispose()
    _print(report, output)


def _print(report: WinLoss, output: Format) -> None:
    if output is Format.JSON:
        sys.stdout.write(json.dumps(report.model_dump(mode="json", by_alias=True), indent=2) + "\n")
    elif output is Format.CSV:
        sys.stdout.write(win_loss_csv(report))
    else:
        out = Output()
        out.rows("Win/loss", WIN_LOSS_COLUMNS, win_loss_rows(report))
        comparison = report.mql_vs_non_mql_pp
        out.record(
            "Comparison (difference_pp: all minus excluding_mql, in percentage points)",
            {
                "difference_pp": report.difference_pp,
                "mql_vs_non_mql_pp": comparison.difference_pp,
                "p_value": comparison.p_value,
            },
        )


@report_app.command("calibration")
def calibration_command(
    start: CreatedFrom = None,
    end: CreatedTo = None,
    target: Annotated[
        float | None,
        typer.Option("--target-mql-per-month", min=0.001, help="The MQLs a month sales can work."),
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="How to print it.")] = Format.TABLE,
) -> None:
    """Conversion and win rate by decile of fit and interest score under the current rules
    (HANDOFF_RULES), and the thresholds for a target volume or the lowest significant ones."""
    first, last = period_days(start, end)
    settings = load_settings()
    ruleset = load_rules(settings.rules)
    engine, sessions = open_store(settings)
    try:
        with sessions() as session:
            report = calibration(
                session, ruleset, start=first, end=last, target_mql_per_month=target
            )
    finally:
        engine.dispose()
    if output is Format.JSON:
        sys.stdout.write(json.dumps(report.model_dump(mode="json", by_alias=True), indent=2) + "\n")
    elif output is Format.CSV:
        sys.stdout.write(calibration_csv(report))
    else:
        Output().rows("Calibration", CALIBRATION_COLUMNS, calibration_rows(report))
        for note in report.notes:
            sys.stdout.write(f"note: {note}\n")


@report_app.command("shadow")
def shadow_command(
    start: DecidedFrom = None,
    end: DecidedTo = None,
    output: Annotated[Format, typer.Option("--format", help="How to print it.")] = Format.TABLE,
) -> None:
    """Shadow mode (HANDOFF_WRITE_MODE=shadow): where the org's own routing and status changes
    disagreed with the rules, by route, with both sides' reasons."""
    first, last = period_days(start, end)
    settings = load_settings()
    try:
        ruleset: RuleSet | None = load_rules(settings.rules)
    except RulesFileError:
        ruleset = None  # routes are then named routes[N]
    engine, sessions = open_store(settings)
    try:
        with sessions() as session:
            report = shadow_report(session, ruleset, start=first, end=last)
    finally:
        engine.dispose()
    if output is Format.JSON:
        sys.stdout.write(json.dumps(report.model_dump(mode="json", by_alias=True), indent=2) + "\n")
    elif output is Format.CSV:
        sys.stdout.write(shadow_csv(report))
    else:
        out = Output()
        out.rows("Agreement by route", ["route", "leads", "agreed", "agreement_rate",
                 "status_disagreements", "owner_disagreements"],
                 [[r.route, r.leads, r.agreed, r.agreement_rate, r.status_disagreements,
                   r.owner_disagreements] for r in report.routes])  # fmt: skip
        out.rows("Disagreements", ["lead_id", "route", "ours", "org"], [
            [d.lead_id, d.route, d.ours.reason, d.org.reason] for d in report.disagreements
        ])  # fmt: skip
        for note in report.notes:
            out.line(f"note: {note}")
