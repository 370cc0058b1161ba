"""The `handoff` command: every subcommand is registered here, and every failure ends here.

`main()` is the console-script entry point. It runs the typer app without click's standalone
handling so that this module decides what a person sees: one line per problem and the SPEC's exit
status, never a traceback (with HANDOFF_LOG_LEVEL=DEBUG the log shows it for whoever needs it).
"""

from __future__ import annotations

import logging
import os
import sys
from importlib.metadata import version as package_version

import typer
from typer.exceptions import TyperException

from app.cli import connection, rules
from app.cli.db import db_app
from app.cli.demo import demo_command
from app.cli.output import error
from app.cli.report import report_app
from app.cli.serve import serve_command
from app.cli.sync import sync_command
from app.errors import ExitCode, HandoffError, environment_problem
from app.logs import configure_logging
from app.settings import SettingsError, load_settings
from sf_client import SalesforceError

log = logging.getLogger("handoff")

cli = typer.Typer(
    name="handoff",
    help="Run the marketing-to-sales lead handoff for a Salesforce org.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@cli.command("version")
def show_version() -> None:
    """Print the installed version of Handoff."""
    typer.echo(package_version("handoff"))


cli.command("check-connection")(connection.check_connection)
cli.add_typer(rules.rules_app, name="rules")
cli.command("sync")(sync_command)
cli.add_typer(db_app, name="db")
cli.command("demo")(demo_command)
cli.add_typer(report_app, name="report")
cli.command("serve")(serve_command)


def _failure_message(exc: BaseException) -> tuple[str, ExitCode] | None:
    """The line and exit status for a failure a person can act on; None for a bug."""
    for cause in _chain(exc):
        problem = environment_problem(cause)
        if problem is not None:
            return problem, ExitCode.FAILURE
    if isinstance(exc, HandoffError):
        return str(exc), exc.exit_code
    if isinstance(exc, SettingsError):
        return str(exc), ExitCode.FAILURE
    if isinstance(exc, SalesforceError):
        return f"Salesforce: {exc}", ExitCode.FAILURE
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and what caused it, so a database error wrapped by another is still named."""
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _log_level() -> str:
    """`HANDOFF_LOG_LEVEL`, read before the command so its failures are logged at that level."""
    try:
        return load_settings().log_level
    except SettingsError:
        return os.environ.get("HANDOFF_LOG_LEVEL", "INFO").upper() or "INFO"


def main(argv: list[str] | None = None) -> None:
    """Entry point: run a command and turn its outcome into an exit status.

    Commands return an `ExitCode` (or raise `typer.Exit`); usage errors are shown by click with
    the usage line (exit 2); every other failure is translated here into one line.
    """
    level = _log_level()
    configure_logging(level if level in ("DEBUG", "INFO", "WARNING", "ERROR") else "INFO")
    try:
        result = cli(args=argv, prog_name="handoff", standalone_mode=False)
    except TyperException as usage:
        show = getattr(usage, "show", None)
        if show is not None:
            show()
        sys.exit(getattr(usage, "exit_code", ExitCode.USAGE))
    except Exception as exc:
        found = _failure_message(exc)
        if found is None:
            log.debug("unexpected failure", exc_info=True)
            error(
                f"internal error ({type(exc).__name__}); this is a bug in Handoff. "
                "Run again with HANDOFF_LOG_LEVEL=DEBUG to see the details."
            )
            sys.exit(ExitCode.FAILURE)
        message, code = found
        log.debug("the command failed", exc_info=True)
        error(message)
        sys.exit(code)
    sys.exit(int(result) if isinstance(result, int) else ExitCode.OK)
