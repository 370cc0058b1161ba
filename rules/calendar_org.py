"""A `WorkCalendar` from the org's own records: a BusinessHours row and its Holiday rows.

Field names and shapes are the Salesforce object reference's: `MondayStartTime` ...
`SundayEndTime` are `time` fields sent as `"09:00:00.000Z"` (a wall time in the record's
`TimeZoneSidKey`, despite the `Z`), both null on a closed day and both `00:00` on a 24-hour day.
A Holiday is a date (`ActivityDate`), all day or `StartTimeInMinutes`-`EndTimeInMinutes`, and may
recur (`IsRecurrence`, `RecurrenceType` and its fields); recurring ones are expanded over `years`,
because the rules package reads no clock to know which years matter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from dateutil import rrule

from rules.work_calendar import MINUTES_PER_DAY, CalendarError, Range, WorkCalendar

HOLIDAY_YEARS = range(2020, 2041)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
# RecurrenceDayOfWeekMask: Sunday 1, Monday 2, Tuesday 4, ... Saturday 64.
_MASK_DAYS = ((1, rrule.SU), (2, rrule.MO), (4, rrule.TU), (8, rrule.WE), (16, rrule.TH),
              (32, rrule.FR), (64, rrule.SA))  # fmt: skip
_INSTANCES = {"First": 1, "Second": 2, "Third": 3, "Fourth": 4, "Last": -1}
_FREQUENCIES = {
    "RecursDaily": rrule.DAILY,
    "RecursEveryWeekday": rrule.DAILY,
    "RecursWeekly": rrule.WEEKLY,
    "RecursMonthly": rrule.MONTHLY,
    "RecursMonthlyNth": rrule.MONTHLY,
    "RecursYearly": rrule.YEARLY,
    "RecursYearlyNth": rrule.YEARLY,
}


def calendar_from_business_hours(
    name: str,
    record: Mapping[str, Any],
    holidays: Sequence[Mapping[str, Any]],
    years: range = HOLIDAY_YEARS,
) -> WorkCalendar:
    """The calendar of one BusinessHours record and the Holiday records that apply to it."""
    zone = record.get("TimeZoneSidKey")
    if not isinstance(zone, str) or not zone:
        raise CalendarError(f"BusinessHours {name!r} has no TimeZoneSidKey")
    week: list[list[Range]] = [[] for _ in _DAYS]
    for index, day in enumerate(_DAYS):
        start = _minutes(record.get(f"{day}StartTime"), f"{day}StartTime")
        end = _minutes(record.get(f"{day}EndTime"), f"{day}EndTime")
        if start is None or end is None:
            continue
        if end <= start and end == 0:
            end = MINUTES_PER_DAY  # 00:00-00:00 is "24 hours"; 13:00-00:00 runs to midnight
        if end > start:
            week[index].append((start, end))
        else:  # a night shift past midnight continues on the next day
            week[index].append((start, MINUTES_PER_DAY))
            week[(index + 1) % 7].insert(0, (0, end))
    whole_days: set[date] = set()
    closures: list[tuple[date, int, int]] = []
    for holiday in holidays:
        days = _holiday_dates(holiday, years)
        if holiday.get("IsAllDay", True):
            whole_days.update(days)
            continue
        start = _int(holiday.get("StartTimeInMinutes"), 0)
        end = _int(holiday.get("EndTimeInMinutes"), MINUTES_PER_DAY)
        closures += [(day, start, end) for day in days]
    return WorkCalendar(
        name=name,
        time_zone=zone,
        week=tuple(tuple(sorted(ranges)) for ranges in week),
        holidays=frozenset(whole_days),
        closures=tuple(sorted(closures)),
    )


def _minutes(value: Any, field: str) -> int | None:
    """`"09:30:00.000Z"` -> 570; None for a null field (a closed day)."""
    if value is None:
        return None
    try:
        hours, minutes = str(value)[:5].split(":")
        found = int(hours) * 60 + int(minutes)
    except ValueError:
        raise CalendarError(f"BusinessHours.{field} {value!r} is not a time") from None
    if not 0 <= found < MINUTES_PER_DAY:
        raise CalendarError(f"BusinessHours.{field} {value!r} is not a time")
    return found


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return None


def _holiday_dates(holiday: Mapping[str, Any], years: range) -> list[date]:
    """The local dates a Holiday record covers within `years` (one, or its recurrences)."""
    single = _date(holiday.get("ActivityDate"))
    kind = holiday.get("RecurrenceType")
    if not holiday.get("IsRecurrence") or kind not in _FREQUENCIES:
        return [single] if single is not None else []
    first = _date(holiday.get("RecurrenceStartDate")) or single or date(years.start, 1, 1)
    last = _date(holiday.get("RecurrenceEndDateOnly")) or date(years.stop - 1, 12, 31)
    first, last = max(first, date(years.start, 1, 1)), min(last, date(years.stop - 1, 12, 31))
    if last < first:
        return []
    rule = rrule.rrule(
        _FREQUENCIES[kind],
        dtstart=datetime(first.year, first.month, first.day, tzinfo=UTC),
        until=datetime(last.year, last.month, last.day, tzinfo=UTC),
        interval=max(1, _int(holiday.get("RecurrenceInterval"), 1)),
        **_recurrence_parts(holiday, kind),
    )
    return [moment.date() for moment in rule]


def _recurrence_parts(holiday: Mapping[str, Any], kind: str) -> dict[str, Any]:
    mask = _int(holiday.get("RecurrenceDayOfWeekMask"), 0)
    weekdays = [day for bit, day in _MASK_DAYS if mask & bit]
    month = holiday.get("RecurrenceMonthOfYear")
    parts: dict[str, Any] = {}
    if month in _MONTHS:
        parts["bymonth"] = _MONTHS.index(month) + 1
    if kind == "RecursEveryWeekday":
        parts["byweekday"] = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR)
    elif kind in ("RecursMonthlyNth", "RecursYearlyNth"):
        parts["byweekday"] = weekdays or None
        parts["bysetpos"] = _INSTANCES.get(str(holiday.get("RecurrenceInstance")), 1)
    elif kind == "RecursWeekly" and weekdays:
        parts["byweekday"] = weekdays
    elif kind in ("RecursMonthly", "RecursYearly"):
        parts["bymonthday"] = _int(holiday.get("RecurrenceDayOfMonth"), 1)
    return parts
