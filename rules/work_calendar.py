"""`WorkCalendar`: weekly working hours in one time zone, minus holidays, and its arithmetic.

A calendar is data (hours as minutes of the local day, holidays as local dates); everything else
is computed from it. Working time is measured on the real clock: a day's ranges are placed in the
calendar's zone with zoneinfo, so a range that spans a daylight-saving switch is one hour longer
or shorter, as the people working it experience it. Each local day's ranges are converted once
per calendar and kept, so the SLA of a million leads converts each day once, not once per lead.

Times in and out are aware datetimes; a naive one is read as UTC (the store's convention).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 1440
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEARCH_DAYS = 366 * 30  # a calendar with working hours but none in 30 years has none usable

Range = tuple[int, int]
Week = tuple[tuple[Range, ...], ...]
Span = tuple[float, float]  # POSIX seconds, start < end


class CalendarError(ValueError):
    """A calendar that cannot be built: unknown zone, malformed or overlapping hours."""


@lru_cache(maxsize=512)
def zone_of(name: str) -> ZoneInfo:
    """The IANA zone `name`, or `CalendarError` saying it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"{name!r} is not an IANA time zone (like America/New_York)") from None


def week_problem(week: Week) -> str | None:
    """What is wrong with `week`, or None: 7 days, each sorted, inside the day, not overlapping."""
    if len(week) != len(DAY_NAMES):
        return f"a week has 7 days, not {len(week)}"
    for name, ranges in zip(DAY_NAMES, week, strict=True):
        previous_end = -1
        for start, end in ranges:
            if not 0 <= start < end <= MINUTES_PER_DAY:
                return f"{name}: {_clock(start)}-{_clock(end)} is not a range inside one day"
            if start < previous_end:
                return f"{name}: {_clock(start)}-{_clock(end)} overlaps the range before it"
            previous_end = end
    return None


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Working hours of a team or a person.

    `week` has 7 entries, Monday first, each the sorted `(start_min, end_min)` ranges of that
    local day (a range crossing midnight is split over two days). `holidays` are local dates with
    no working time. `closures` are parts of days off, `(date, start_min, end_min)`, such as a
    Salesforce Holiday that is not all day.
    """

    name: str
    time_zone: str
    week: Week
    holidays: frozenset[date] = frozenset()
    closures: tuple[tuple[date, int, int], ...] = ()
    _days: dict[int, tuple[tuple[Span, ...], float]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        zone_of(self.time_zone)
        problem = week_problem(self.week)
        if problem is not None:
            raise CalendarError(f"calendar {self.name!r}: {problem}")

    @property
    def zone(self) -> ZoneInfo:
        return zone_of(self.time_zone)

    @property
    def has_working_time(self) -> bool:
        """False for a calendar whose week is empty: nothing can ever be due on it."""
        return any(self.week)

    def in_zone(self, time_zone: str) -> WorkCalendar:
        """The same hours and holidays kept in another zone (a user's TimeZoneSidKey)."""
        if time_zone == self.time_zone:
            return self
        return replace(self, time_zone=time_zone)

    def spans(self, day: date) -> tuple[Span, ...]:
        """The working time of local `day` as sorted POSIX-second spans (cached per day)."""
        return self.day(day.toordinal())[0]

    def day(self, ordinal: int) -> tuple[tuple[Span, ...], float]:
        """The spans of the local day with this ordinal and their total seconds (cached)."""
        found = self._days.get(ordinal)
        if found is None:
            spans = _day_spans(self, date.fromordinal(ordinal))
            found = self._days[ordinal] = (spans, sum(end - start for start, end in spans))
        return found


def _day_spans(calendar: WorkCalendar, day: date) -> tuple[Span, ...]:
    if day in calendar.holidays:
        return ()
    ranges = list(calendar.week[day.weekday()])
    for closed_day, start, end in calendar.closures:
        if closed_day == day:
            ranges = _cut(ranges, start, end)
    midnight = datetime(day.year, day.month, day.day, tzinfo=calendar.zone)
    spans = []
    for start, end in ranges:
        # Wall-clock arithmetic on an aware datetime, then timestamp(): zoneinfo places each
        # local time with the offset in force then, so DST days are 23 or 25 hours long.
        begin = (midnight + timedelta(minutes=start)).timestamp()
        finish = _local_minute(midnight, end).timestamp()
        if begin < finish:
            spans.append((begin, finish))
    return tuple(spans)


def _local_minute(midnight: datetime, minute: int) -> datetime:
    if minute == MINUTES_PER_DAY:
        following = midnight.date() + timedelta(days=1)
        return datetime(following.year, following.month, following.day, tzinfo=midnight.tzinfo)
    return midnight + timedelta(minutes=minute)


def _cut(ranges: list[Range], start: int, end: int) -> list[Range]:
    kept: list[Range] = []
    for low, high in ranges:
        if low < start:
            kept.append((low, min(high, start)))
        if high > end:
            kept.append((max(low, end), high))
    return kept


def seconds_of(at: datetime) -> float:
    """POSIX seconds of `at`; naive datetimes are UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.timestamp()


def moment(seconds: float) -> datetime:
    """An aware UTC datetime from POSIX seconds."""
    return datetime.fromtimestamp(seconds, UTC)


def local_day(calendar: WorkCalendar, seconds: float) -> date:
    return datetime.fromtimestamp(seconds, calendar.zone).date()


def days_from(calendar: WorkCalendar, seconds: float) -> Iterator[tuple[tuple[Span, ...], float]]:
    """The spans and total working seconds of each local day from the one holding `seconds`
    onwards; raises when the calendar has no working time in the next 30 years (so callers
    never loop forever)."""
    if not calendar.has_working_time:
        raise CalendarError(f"calendar {calendar.name!r} has no working hours")
    ordinal = local_day(calendar, seconds).toordinal()
    last_work = ordinal
    day = calendar.day
    while True:
        found = day(ordinal)
        if found[0]:
            last_work = ordinal
        elif ordinal - last_work > _SEARCH_DAYS:
            after = date.fromordinal(last_work)
            raise CalendarError(f"calendar {calendar.name!r} has no working time after {after}")
        yield found
        ordinal += 1
