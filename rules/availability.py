"""Who can take a lead at a given moment, and why not: the data `assign` is given about people.

Available means inside the member's working hours, not on a holiday of their calendar, not out
of office, active, and under the open-MQL cap (SPEC). The working calendar of a member is, first
match wins: their entry in `availability.user_calendars`; the default calendar
(`availability.calendar`) moved into the user's own TimeZoneSidKey; the default calendar as is.
Without `availability.calendar` working hours are not checked. Everything comes in as data,
the moment included: this module reads no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from rules.calendars import is_working_at, next_working_start
from rules.ids import to18
from rules.work_calendar import CalendarError, WorkCalendar


class Skip(StrEnum):
    """Why a member was passed over (also the ledger's `skipped` keys)."""

    OUT_OF_OFFICE = "out of office"
    OUTSIDE_HOURS = "outside working hours"
    HOLIDAY = "on holiday"
    INACTIVE = "inactive"
    AT_CAP = "at cap"
    QUEUE_CLOSED = "queue takes no leads"


@dataclass(frozen=True, slots=True)
class Absence:
    """A period a user takes no leads: [start, end), from Salesforce OutOfOffice or the API."""

    user_id: str
    start: datetime
    end: datetime
    reason: str = ""
    source: str = "api"


@dataclass(frozen=True, slots=True)
class People:
    """What the app knows about people, for availability and explanations.

    `zones`: TimeZoneSidKey per user; `names`: display names; `absences`: out-of-office periods;
    `org_calendar`: the org's default BusinessHours with its Holidays (for `org` and
    `org: salesforce` calendars), None when the org has none we can read.
    """

    now: datetime
    zones: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    absences: Sequence[Absence] = ()
    org_calendar: WorkCalendar | None = None

    def name(self, user_id: str) -> str:
        return self.names.get(to18(user_id)) or to18(user_id)


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A member passed over, why, and until when when known."""

    member: str
    skip: Skip
    until: datetime | None = None


def resolve_calendar(
    name: str | None,
    calendars: Mapping[str, WorkCalendar],
    org_names: frozenset[str],
    org_calendar: WorkCalendar | None,
) -> WorkCalendar | None:
    """The calendar a name refers to: one of the rules file, or the org's (`org`)."""
    if name is None:
        return None
    if name in calendars:
        return calendars[name]
    if name == "org" or name in org_names:
        return org_calendar
    return None


class AvailabilityCheck:
    """Answers "can this member take a lead now, and if not why" for one call of `assign`.

    Calendars per member and absences are worked out once per member and kept.
    """

    def __init__(
        self,
        people: People,
        default: WorkCalendar | None,
        user_calendars: Mapping[str, WorkCalendar | None],
    ) -> None:
        self.now = people.now if people.now.tzinfo else people.now.replace(tzinfo=UTC)
        self.people = people
        self.default = default
        self.user_calendars = {to18(user): cal for user, cal in user_calendars.items()}
        self._calendars: dict[str, WorkCalendar | None] = {}
        self._off: dict[str, Unavailable | None] = {}  # the moment is fixed: one answer each
        self._away: dict[str, list[Absence]] = {}
        for absence in people.absences:
            start = _aware(absence.start)
            end = _aware(absence.end)
            if start <= self.now < end:
                self._away.setdefault(to18(absence.user_id), []).append(absence)

    def calendar_of(self, user_id: str) -> WorkCalendar | None:
        user = to18(user_id)
        if user in self._calendars:
            return self._calendars[user]
        found: WorkCalendar | None
        if user in self.user_calendars:
            found = self.user_calendars[user]
        elif self.default is None:
            found = None
        else:
            zone = self.people.zones.get(user)
            found = self.default
            if zone and zone != self.default.time_zone:
                try:
                    found = self.default.in_zone(zone)
                except CalendarError:  # a zone Salesforce knows and this tz database does not
                    found = self.default
        self._calendars[user] = found
        return found

    def away(self, user_id: str) -> Unavailable | None:
        """Out of office now, with the end of the latest absence covering now."""
        periods = self._away.get(to18(user_id))
        if not periods:
            return None
        until = max(_aware(p.end) for p in periods)
        return Unavailable(to18(user_id), Skip.OUT_OF_OFFICE, until)

    def off_shift(self, user_id: str) -> Unavailable | None:
        """Outside the member's working hours (or on a holiday of their calendar) now."""
        if user_id in self._off:
            return self._off[user_id]
        calendar = self.calendar_of(user_id)
        found = None
        if calendar is not None and not is_working_at(calendar, self.now):
            local = self.now.astimezone(calendar.zone).date()
            skip = Skip.HOLIDAY if local in calendar.holidays else Skip.OUTSIDE_HOURS
            found = Unavailable(to18(user_id), skip, next_working_start(calendar, self.now))
        self._off[user_id] = found
        return found


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def describe(skipped: Sequence[Unavailable], people: People | None) -> str:
    """`Sam Lee out of office until 2026-12-09; Ann Bo at cap`: who was passed over and why."""
    parts = []
    for entry in skipped:
        name = people.name(entry.member) if people is not None else entry.member
        text = f"{name} {entry.skip}"
        if entry.until is not None and entry.skip in (Skip.OUT_OF_OFFICE,):
            text += f" until {entry.until.date().isoformat()}"
        elif entry.until is not None and entry.skip in (Skip.OUTSIDE_HOURS, Skip.HOLIDAY):
            text += f" until {entry.until.strftime('%Y-%m-%d %H:%M')} UTC"
        parts.append(text)
    return "; ".join(parts)
