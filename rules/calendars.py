"""Working-time arithmetic on `WorkCalendar`s: the business clock of the SLA and of routing.

All pure: calendars and times come in, times and durations go out. Hours are real elapsed hours
inside working ranges (so an 09:00-17:30 day holds 8.5 of them, and the day a range spans a
daylight-saving switch holds one more or one fewer). Business days weigh each working day as 1,
whatever its length, so `stale_days: 14` means fourteen working days of that calendar.
"""

from __future__ import annotations

from datetime import datetime

from rules.calendar_org import calendar_from_business_hours
from rules.work_calendar import (
    CalendarError,
    WorkCalendar,
    days_from,
    local_day,
    moment,
    seconds_of,
)

__all__ = [
    "CalendarError",
    "WorkCalendar",
    "add_working_days",
    "add_working_hours",
    "calendar_from_business_hours",
    "is_working_at",
    "next_working_start",
    "working_days_between",
    "working_hours_between",
]


def is_working_at(calendar: WorkCalendar, at: datetime) -> bool:
    """Whether `at` falls inside a working range of `calendar` (start inclusive, end exclusive)."""
    t = seconds_of(at)
    return any(start <= t < end for start, end in calendar.spans(local_day(calendar, t)))


def next_working_start(calendar: WorkCalendar, at: datetime) -> datetime | None:
    """`at` itself when working, else the start of the next working range; None when the
    calendar has no working time at all."""
    if not calendar.has_working_time:
        return None
    t = seconds_of(at)
    for spans, _ in days_from(calendar, t):
        for start, end in spans:
            if t < end:
                return moment(max(start, t))
    raise AssertionError("days_from never ends without raising")  # pragma: no cover


def add_working_hours(calendar: WorkCalendar, start: datetime, hours: float) -> datetime:
    """The moment `hours` of working time after `start` (a due time).

    Zero hours is `start` itself; otherwise the result lies inside a working range or at its
    end, so a target that runs out at 17:30 is due at 17:30, not at the next morning's 09:00.
    Raises `CalendarError` for a calendar with no working hours, `ValueError` for negative hours.
    """
    if hours < 0:
        raise ValueError(f"hours must not be negative, got {hours}")
    if hours == 0:
        return moment(seconds_of(start))
    t = seconds_of(start)
    left = hours * 3600.0
    for spans, total in days_from(calendar, t):
        if total <= 0 or spans[-1][1] <= t:
            continue
        if spans[0][0] >= t and left > total:  # the whole day is used up
            left -= total
            continue
        for begin, end in spans:
            if end <= t:
                continue
            begin = max(begin, t)
            if left <= end - begin:
                return moment(begin + left)
            left -= end - begin
    raise AssertionError("days_from never ends without raising")  # pragma: no cover


def working_hours_between(calendar: WorkCalendar, start: datetime, end: datetime) -> float:
    """Working hours from `start` to `end`; negative when `end` comes first."""
    return _working_between(calendar, start, end, per_day=False)


def working_days_between(calendar: WorkCalendar, start: datetime, end: datetime) -> float:
    """Business days from `start` to `end`: each working day counts 1, a part of it its share
    of that day's working time (negative when `end` comes first)."""
    return _working_between(calendar, start, end, per_day=True)


def add_working_days(calendar: WorkCalendar, start: datetime, days: float) -> datetime:
    """The moment `days` business days after `start` (when a lead goes stale)."""
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    t = seconds_of(start)
    if days == 0:
        return moment(t)
    left = float(days)
    for spans, total in days_from(calendar, t):
        if total <= 0 or spans[-1][1] <= t:
            continue
        if spans[0][0] >= t and left > 1:  # a whole working day
            left -= 1
            continue
        for begin, end in spans:
            if end <= t:
                continue
            begin = max(begin, t)
            share = (end - begin) / total
            if left <= share:
                return moment(begin + left * total)
            left -= share
    raise AssertionError("days_from never ends without raising")  # pragma: no cover


def _working_between(
    calendar: WorkCalendar, start: datetime, end: datetime, per_day: bool
) -> float:
    low, high = seconds_of(start), seconds_of(end)
    if high < low:
        return -_working_between(calendar, end, start, per_day)
    if high == low or not calendar.has_working_time:
        return 0.0
    found = 0.0
    for spans, total in days_from(calendar, low):
        if not spans:
            continue
        if spans[0][0] >= high:
            break
        if spans[0][0] >= low and spans[-1][1] <= high:  # the whole day is inside
            found += 1.0 if per_day else total
        else:
            inside = sum(max(0.0, min(e, high) - max(b, low)) for b, e in spans)
            found += inside / total if per_day else inside
        if spans[-1][1] >= high:
            break
    return found if per_day else found / 3600.0
