"""`handoff demo`: the whole loop on a simulated org and SQLite (see `app.demo.loop`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.demo.loop import DemoOptions, run_demo


def _echo(line: str) -> None:
    typer.echo(line)


def demo_command(
    folder: Annotated[
        Path,
        typer.Option("--dir", help="Folder for the demo's SQLite store and rules file."),
    ] = Path("handoff-demo"),
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Print the summary and exit instead of serving.")
    ] = False,
) -> None:
    """Run the whole loop on a simulated org: sync, summary, then the API (Ctrl-C stops it).

    Ignores SF_* and HANDOFF_* settings and .env: it can only touch its own simulated org and
    the SQLite file in its folder.
    """
    run_demo(DemoOptions(folder=folder, serve=not no_serve), _echo)
