"""The rules file's `calendars:` section: checked in place, then built into `WorkCalendar`s.

```yaml
calendars:
  us_east:
    time_zone: America/New_York
    hours: {mon-fri: "09:00-17:30"}      # or per day: {mon: "09:00-12:00,13:00-17:00", ...}
    holidays: [2026-12-25]               # local dates
    holidays_country: US                 # and/or a country's public holidays (US-CA, GB-ENG)
  org: salesforce                        # the org's default BusinessHours and Holidays
```
A range whose end comes before its start (`22:00-06:00`) runs past midnight into the next day.
Names the SLA and routing refer to are `owner`, `org` or a key of this section.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import holidays as holiday_data

from rules.calendar_org import HOLIDAY_YEARS
from rules.issues import Path
from rules.work_calendar import (
    DAY_NAMES,
    MINUTES_PER_DAY,
    CalendarError,
    Range,
    WorkCalendar,
    week_problem,
    zone_of,
)

ORG_SOURCE = "salesforce"
OWNER = "owner"
ORG = "org"
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
Problem = tuple[Path, str]


def calendar_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Every problem in `calendars:`, and in the names that refer to them (`sla.calendar`)."""
    section = data.get("calendars")
    problems: list[Problem] = []
    if isinstance(section, dict):
        for name, spec in section.items():
            problems += [(("calendars", name, *sub), msg) for sub, msg in _spec_problems(spec)]
    sla = data.get("sla")
    if isinstance(sla, dict) and "calendar" in sla:
        problem = calendar_name_problem(sla["calendar"], data, allow_owner=True)
        if problem is not None:
            problems.append((("sla", "calendar"), problem))
    return problems


def calendar_name_problem(name: Any, data: Mapping[str, Any], allow_owner: bool) -> str | None:
    """What is wrong with a reference to a calendar by `name`, or None."""
    section = data.get("calendars")
    known = list(section) if isinstance(section, dict) else []
    if not isinstance(name, str):
        return None  # the model reports the type
    if name in known or name == ORG or (allow_owner and name == OWNER):
        return None
    choices = ", ".join([*([OWNER] if allow_owner else []), ORG, *known])
    return f"{name!r} is no calendar: use one of {choices}"


def _spec_problems(spec: Any) -> list[Problem]:
    if spec == ORG_SOURCE:
        return []
    if not isinstance(spec, dict):
        if isinstance(spec, str):
            return [((), f"{spec!r}: write {ORG_SOURCE!r} or a mapping with time_zone and hours")]
        return []  # the model says what shape it needs
    problems: list[Problem] = []
    zone = spec.get("time_zone")
    if isinstance(zone, str):
        try:
            zone_of(zone)
        except CalendarError as exc:
            problems.append((("time_zone",), str(exc)))
    hours = spec.get("hours")
    if isinstance(hours, dict):
        problems += [(("hours", *sub), msg) for sub, msg in week_from_hours(hours)[1]]
    country = spec.get("holidays_country")
    if isinstance(country, str) and _country_holidays(country) is None:
        message = f"{country!r} is not a country code the holidays package knows (like US, GB-ENG)"
        problems.append((("holidays_country",), message))
    return problems


def week_from_hours(
    hours: Mapping[str, Any],
) -> tuple[tuple[tuple[Range, ...], ...], list[Problem]]:
    """`{mon-fri: "09:00-17:30"}` as a week of ranges, and the problems found, by key."""
    week: list[list[Range]] = [[] for _ in DAY_NAMES]
    problems: list[Problem] = []
    owner: dict[int, str] = {}
    for key, text in hours.items():
        days = _days(key)
        if days is None:
            problems.append(((key,), f"{key!r} is not a day or days (mon, mon-fri, sat,sun)"))
            continue
        ranges = _ranges(text)
        if isinstance(ranges, str):
            problems.append(((key,), ranges))
            continue
        for day in days:
            if day in owner:
                problems.append(((key,), f"{DAY_NAMES[day]} is already given by {owner[day]!r}"))
                continue
            owner[day] = key
            for start, end in ranges:
                if end > start:
                    week[day].append((start, end))
                else:  # past midnight: the rest falls on the next day
                    week[day].append((start, MINUTES_PER_DAY))
                    week[(day + 1) % 7].append((0, end))
    built = tuple(tuple(sorted(day)) for day in week)
    if not problems:
        problem = week_problem(built)
        if problem is not None:
            problems.append(((), problem))
    return built, problems


def _days(key: str) -> list[int] | None:
    days: list[int] = []
    for part in str(key).replace(" ", "").lower().split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            return None
        start, stop = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        days += [(start + i) % 7 for i in range((stop - start) % 7 + 1)]
    return days


def _ranges(text: Any) -> list[Range] | str:
    if not isinstance(text, str):
        return f'{text!r} is not hours: write them as text, like "09:00-17:30"'
    found: list[Range] = []
    for part in text.replace(" ", "").split(","):
        start_text, sep, end_text = part.partition("-")
        start, end = _minute(start_text), _minute(end_text)
        if not sep or start is None or end is None:
            bad = start_text if sep and start is None else end_text if sep else part
            return f'{bad!r} is not a time: write HH:MM from 00:00 to 24:00, like "09:00-17:30"'
        end = end or MINUTES_PER_DAY  # "13:00-00:00" runs to midnight
        if start in (end, MINUTES_PER_DAY):
            return f"{part!r} is not a range of working time (a whole day is 00:00-24:00)"
        found.append((start, end))
    return found


def _minute(text: str) -> int | None:
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


@lru_cache(maxsize=64)
def _country_holidays(code: str) -> frozenset[date] | None:
    country, _, subdivision = code.partition("-")
    try:
        found = holiday_data.country_holidays(
            country.upper(), subdiv=subdivision.upper() or None, years=HOLIDAY_YEARS
        )
    except NotImplementedError:
        return None
    return frozenset(found)


def build_calendar(name: str, spec: Mapping[str, Any]) -> WorkCalendar:
    """A checked calendar spec (as plain data) as a `WorkCalendar`."""
    week, problems = week_from_hours(spec["hours"])
    if problems:
        raise CalendarError(f"calendar {name!r}: {problems[0][1]}")
    dates = {day for day in spec.get("holidays") or () if isinstance(day, date)}
    country = spec.get("holidays_country")
    if country:
        dates |= _country_holidays(country) or frozenset()
    return WorkCalendar(name, spec["time_zone"], week, frozenset(dates))
