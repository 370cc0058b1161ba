"""`handoff rules check [FILE]` and `handoff rules explain LEAD_ID`; neither talks to Salesforce."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.output import Output
from app.cli.rules_backtest import backtest_command
from app.errors import ExitCode
from app.handoff.explain import explain_lead
from app.handoff.rules_file import (
    RulesFileError,
    environment_issues,
    parse_rules_text,
    read_rules_text,
)
from app.settings import load_settings
from app.store.db import make_engine, make_sessionmaker
from app.store.migrate import require_current_schema
from rules import RuleSet, check_text, format_issues

rules_app = typer.Typer(
    help="Check rules files, explain decisions, backtest a candidate.", no_args_is_help=True
)
rules_app.command("backtest")(backtest_command)


@rules_app.command("check")
def check(
    file: Annotated[
        Path | None, typer.Argument(help="The rules file (default: HANDOFF_RULES).")
    ] = None,
) -> None:
    """Validate a rules file: one `FILE:LINE: place: message` line per problem, including what
    it needs from this environment (the variables breach notifications read)."""
    path = file if file is not None else load_settings().rules
    text = read_rules_text(path)
    result = check_text(text, str(path))
    problems = (
        [] if not result.ok else environment_issues(parse_rules_text(text, str(path)), os.environ)
    )
    if not result.ok or problems:
        for line in result.lines if not result.ok else format_issues(problems, str(path)):
            sys.stderr.write(line + "\n")
        raise typer.Exit(ExitCode.FAILURE)
    for line in result.lines:
        typer.echo(line)


@rules_app.command("explain")
def explain(
    lead_id: Annotated[str, typer.Argument(help="A Lead Id, 15 or 18 characters.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """The stored decision for a lead, its writes, and what the current rules would decide."""
    settings = load_settings()
    out = Output(as_json=as_json)
    current: RuleSet | None = None
    try:
        current = parse_rules_text(read_rules_text(settings.rules), str(settings.rules))
    except RulesFileError as invalid:
        out.line("the current rules file is not usable, so only the stored decision is shown:")
        for line in invalid.lines:
            out.line(f"  {line}")
    engine = make_engine(settings.database_url)
    try:
        require_current_schema(engine)
        with make_sessionmaker(engine)() as session:
            found = explain_lead(session, lead_id, current, go_live_after=settings.go_live_after)
    finally:
        engine.dispose()
    if as_json:
        out.record("explain", found)
        return
    _show(out, found)


def _show(out: Output, found: dict[str, Any]) -> None:
    decision = found["decision"]
    if decision is None:
        out.line(f"lead {found['lead_id']} has no stored decision yet")
    else:
        out.record(f"Decision for {found['lead_id']}", {"lead_id": found["lead_id"], **decision})
    if found["writes"]:
        columns = ["attempted_at", "run_id", "success", "error_code", "message", "values"]
        out.rows("Writes", columns, [[w[c] for c in columns] for w in found["writes"]])
    if "current_rules" in found:
        out.record("What the current rules would decide", found["current_rules"])
