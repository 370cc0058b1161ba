"""`handoff rules backtest FILE`: the API's backtest from the command line, no server needed.

The figures come from the same `app.reports.backtest.backtest` as `POST /rules/backtest`, so the
table, the JSON and the CSV agree with the API. It runs in the command, whatever the period.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.context import open_store
from app.cli.output import Output
from app.cli.periods import CreatedFrom, CreatedTo, period_days
from app.cli.report import Format
from app.handoff.rules_file import RulesFileError, parse_rules_text, read_rules_text
from app.reports.backtest import backtest
from app.reports.outcome_csv import backtest_csv
from app.reports.outcome_models import Backtest, OutcomeGroup
from app.settings import load_settings
from rules import RuleSet


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{value * 100:.1f}%"


def _cells(group: OutcomeGroup) -> list[Any]:
    win = group.win_rate_95
    interval = f"{win.low * 100:.1f}-{win.high * 100:.1f}%" if win else None
    return [group.leads, group.converted, _pct(group.conversion_rate), group.closed, group.won,
            _pct(group.win_rate), interval]  # fmt: skip


COLUMNS = ["rules", "group", "leads", "converted", "conversion", "closed", "won", "win_rate",
           "win_rate_95"]  # fmt: skip


def backtest_command(
    file: Annotated[Path, typer.Argument(help="The candidate rules file.")],
    start: CreatedFrom = None,
    end: CreatedTo = None,
    output: Annotated[Format, typer.Option("--format", help="How to print it.")] = Format.TABLE,
) -> None:
    """What FILE would have made of the stored leads created in the period, beside the current
    rules (HANDOFF_RULES): MQLs, conversion, win rates with intervals, the MQL against non-MQL
    test, the leads that change side, and each rule's matched leads against the rest."""
    first, last = period_days(start, end)
    candidate = parse_rules_text(read_rules_text(file), str(file))
    settings = load_settings()
    current: RuleSet | None = None
    try:
        current = parse_rules_text(read_rules_text(settings.rules), str(settings.rules))
    except RulesFileError as invalid:
        sys.stderr.write("the current rules file is not usable, so the candidate stands alone:\n")
        for line in invalid.lines:
            sys.stderr.write(f"  {line}\n")
    engine, sessions = open_store(settings)
    try:
        with sessions() as session:
            report = backtest(session, candidate, current, start=first, end=last)
    finally:
        engine.dispose()
    _print(report, output)


def _print(report: Backtest, output: Format) -> None:
    if output is Format.JSON:
        sys.stdout.write(json.dumps(report.model_dump(mode="json", by_alias=True), indent=2) + "\n")
        return
    if output is Format.CSV:
        sys.stdout.write(backtest_csv(report))
        return
    out = Output()
    rows = []
    for which, side in (("candidate", report.candidate), ("current", report.current)):
        if side is not None:
            rows += [[which, "MQL", *_cells(side.mql)], [which, "non-MQL", *_cells(side.non_mql)]]
    out.rows(f"Backtest of {report.leads} leads", COLUMNS, rows)
    if report.changes is not None:
        changes = report.changes
        out.record(
            "Leads changing side",
            {
                "became_mql": changes.became_mql,
                "became_mql_sample": ", ".join(changes.became_mql_sample),
                "left_mql": changes.left_mql,
                "left_mql_sample": ", ".join(changes.left_mql_sample),
            },
        )
    out.rows(
        "Per rule: matched against not matched",
        ["rules", "rule", "matched", "win_rate", "not_matched", "win_rate", "p_value", "note"],
        [
            [e.rules, e.name or e.rule, e.matched.leads, _pct(e.matched.win_rate),
             e.not_matched.leads, _pct(e.not_matched.win_rate),
             None if e.matched_vs_not.p_value is None else f"{e.matched_vs_not.p_value:.3g}",
             "too few closed deals" if e.too_small else ""]
            for e in report.rules
        ],
    )  # fmt: skip
    for note in report.notes:
        out.line(f"note: {note}")
    out.line(report.verdict)
