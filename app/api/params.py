"""Query parameter types that are as strict as the schema says.

Pydantic reads a number as a date or a moment (`to=0` is 1970-01-01, `since=0.5` half a second
after the epoch); the schema promises ISO 8601 text, so anything else is a 422 that says what to
write. Dates are kept within Salesforce's own range (1700 to 4000), so arithmetic on a period's
end (the day after it) cannot overflow.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator

FIRST_DAY = date(1700, 1, 1)
LAST_DAY = date(4000, 12, 31)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ].+")


def _date_text(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("write a date as YYYY-MM-DD, like 2026-07-01")


def _moment_text(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_MOMENT.fullmatch(value)):
        return value
    raise ValueError("write a date-time with a zone, like 2026-10-01T00:00:00Z")


def _in_range(value: date) -> date:
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY} and {LAST_DAY}")
    return value


IsoDate = Annotated[date, BeforeValidator(_date_text), AfterValidator(_in_range)]
IsoMoment = Annotated[AwareDatetime, BeforeValidator(_moment_text), AfterValidator(_in_range)]
