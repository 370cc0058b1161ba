"""The `from` and `to` query parameters of a period of days, shared by reports and rules."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

from app.api.errors import invalid
from app.api.params import IsoDate

FromQuery = Annotated[
    IsoDate | None,
    Query(alias="from", description="first day of the period (inclusive)", examples=["2026-07-01"]),
]
ToQuery = Annotated[
    IsoDate | None,
    Query(alias="to", description="last day of the period (inclusive)", examples=["2026-09-30"]),
]


def period(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    """The period, or a 422 on `from` when it starts after it ends."""
    if start is not None and end is not None and start > end:
        raise invalid("from", "`from` is after `to`")
    return start, end
