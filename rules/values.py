"""How a lead value, as the Salesforce API returns it, reads as text, number or moment.

The API hands back strings, ints, floats, booleans, None and ISO date or datetime strings; a
custom text field may hold a number ("numbers held in strings"). Each reader returns None when the
value cannot be read that way, and the operators treat None as "does not match".
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

_FLAGS = {"true": True, "false": False}


def is_blank(value: Any) -> bool:
    """None, a missing field and an empty (or all-space) string are all blank."""
    return value is None or (isinstance(value, str) and not value.strip())


def as_number(value: Any) -> float | None:
    """An int or float, or a string holding one; booleans are not numbers here."""
    kind = value.__class__
    if kind is int or kind is float:
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def as_datetime(value: Any) -> datetime | None:
    """An aware datetime from a datetime, a date (midnight UTC) or an ISO string of either."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def as_date(value: Any) -> date | None:
    """The UTC calendar day of a date or datetime value (Salesforce datetimes are UTC)."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    moment = as_datetime(value)
    return moment.astimezone(UTC).date() if moment is not None else None


def as_bool(value: Any) -> bool | None:
    """A boolean, or the text `true` / `false` in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _FLAGS.get(value.strip().casefold())
    return None
