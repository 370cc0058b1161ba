"""The SLA of one MQL as pure arithmetic: its target, due time, stale time and first-touch hours.

On the `calendar` clock (the default) a target of 24 hours is 24 hours of the wall clock; on the
`business` clock it is 24 working hours of a `WorkCalendar`, and `stale_days` are business days.
The app passes in the calendar that applies (the owner's, the org's, or a named one) and stores
what comes out, so reports compare stored times with `now` and never do calendar arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rules.calendars import add_working_days, add_working_hours, working_hours_between
from rules.operators import Predicate
from rules.work_calendar import WorkCalendar, moment, seconds_of

DEFAULT_TARGET = "default"


@dataclass(frozen=True, slots=True)
class CompiledTarget:
    """One `sla.targets` entry: its label (name, or `targets[N]`), hours and conditions."""

    label: str
    hours: float
    conditions: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class SlaTimes:
    """What the store keeps per MQL: which target, when it is due, when it goes stale, and the
    hours to first touch on the SLA's clock (None before a first touch)."""

    target: str
    target_hours: float
    due_at: datetime
    stale_at: datetime
    hours_to_first_touch: float | None


def pick_target(
    targets: tuple[CompiledTarget, ...], default_hours: float, fields: Mapping[str, Any]
) -> tuple[str, float]:
    """The first target whose conditions all match the lead; else the default."""
    for target in targets:
        if all(test(fields) for test in target.conditions):
            return target.label, target.hours
    return DEFAULT_TARGET, default_hours


def sla_times(
    calendar: WorkCalendar | None,
    *,
    target: tuple[str, float],
    stale_days: int,
    mql_at: datetime,
    first_touch_at: datetime | None,
    clock_at: datetime,
) -> SlaTimes:
    """The SLA times of one MQL; `calendar` None is the wall clock.

    `clock_at` is the later of the MQL time and the last touch: the lead goes stale `stale_days`
    (business) days after it.
    """
    label, hours = target
    if calendar is None or not calendar.has_working_time:
        due = mql_at + timedelta(hours=hours)
        stale = clock_at + timedelta(days=stale_days)
        spent = None if first_touch_at is None else _hours(first_touch_at - mql_at)
    else:
        due = add_working_hours(calendar, mql_at, hours)
        stale = add_working_days(calendar, clock_at, stale_days)
        spent = None
        if first_touch_at is not None:
            spent = round(working_hours_between(calendar, mql_at, first_touch_at), 4)
    return SlaTimes(label, hours, _utc(due), _utc(stale), spent)


def breach_step_at(calendar: WorkCalendar | None, due_at: datetime, after_hours: float) -> datetime:
    """When an `on_breach` step is due: `after_hours` past the due time, on the same clock."""
    if calendar is None or not calendar.has_working_time:
        return _utc(due_at + timedelta(hours=after_hours))
    return add_working_hours(calendar, due_at, after_hours)


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 4)


def _utc(at: datetime) -> datetime:
    return moment(seconds_of(at))
