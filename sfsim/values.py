"""Wire formats of dates and datetimes, and their compact in-memory form.

Datetimes are held as epoch seconds and dates as days since 1970-01-01: ints pack into arrays and
compare fast, which matters when a query scans a million rows.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta

_EPOCH = date(1970, 1, 1)
_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$"
)
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})$")


def format_datetime(seconds: int) -> str:
    """Render as Salesforce does: `2026-10-02T08:15:42.000+0000`."""
    t = time.gmtime(seconds)
    return "%04d-%02d-%02dT%02d:%02d:%02d.000+0000" % t[:6]  # noqa: UP031 - fastest here


def format_date(days: int) -> str:
    """Render a day number as `2026-09-30`."""
    return (_EPOCH + timedelta(days=days)).isoformat()


def parse_datetime(text: str) -> int | None:
    """Epoch seconds of an ISO-8601 datetime with `Z`, `+hh:mm` or `+hhmm`; None if malformed."""
    match = _DATETIME_RE.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, _, zone = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
    except ValueError:
        return None
    offset = 0
    if zone != "Z":
        digits = zone[1:].replace(":", "")
        offset = (int(digits[:2]) * 60 + int(digits[2:])) * 60
        offset = -offset if zone[0] == "-" else offset
    return int(moment.timestamp()) - offset


def parse_date(text: str) -> int | None:
    """Day number of `YYYY-MM-DD`; None if malformed."""
    match = _DATE_RE.match(text)
    if match is None:
        return None
    try:
        return (date(int(match[1]), int(match[2]), int(match[3])) - _EPOCH).days
    except ValueError:
        return None


def day_of(seconds: int) -> int:
    """The UTC day number a moment falls on."""
    return seconds // 86400
