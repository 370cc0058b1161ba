"""`--from` / `--to` day options shared by the report commands, and their one check."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import typer

DAY = ["%Y-%m-%d"]


def _day(flag: str, help_text: str) -> Any:
    return typer.Option(flag, help=help_text, formats=DAY)


# Optional `--from` / `--to` days (YYYY-MM-DD), by what the period bounds.
ClosedFrom = Annotated[datetime | None, _day("--from", "First close date (inclusive).")]
ClosedTo = Annotated[datetime | None, _day("--to", "Last close date (inclusive).")]
CreatedFrom = Annotated[
    datetime | None, _day("--from", "First creation day of the leads (inclusive).")
]
CreatedTo = Annotated[datetime | None, _day("--to", "Last creation day of the leads (inclusive).")]
DecidedFrom = Annotated[
    datetime | None, _day("--from", "First day of the shadow decisions (inclusive).")
]
DecidedTo = Annotated[
    datetime | None, _day("--to", "Last day of the shadow decisions (inclusive).")
]


def period_days(start: datetime | None, end: datetime | None) -> tuple[date | None, date | None]:
    """The options as days; `--from` after `--to` is a usage error naming `--from`."""
    first = start.date() if start is not None else None
    last = end.date() if end is not None else None
    if first is not None and last is not None and first > last:
        raise typer.BadParameter("--from is after --to", param_hint="--from")
    return first, last
