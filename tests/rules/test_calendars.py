"""Working-time arithmetic: tables across weekends, holidays, DST switches and midnight, and
properties that tie `add_working_hours` and `working_hours_between` together."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.calendars import (
    CalendarError,
    WorkCalendar,
    add_working_days,
    add_working_hours,
    calendar_from_business_hours,
    is_working_at,
    next_working_start,
    working_days_between,
    working_hours_between,
)

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
NINE_TO_HALF_FIVE = ((540, 1050),)
WEEKDAYS = (NINE_TO_HALF_FIVE,) * 5 + ((), ())


def calendar(
    zone: str = "America/New_York",
    week: tuple[tuple[tuple[int, int], ...], ...] = WEEKDAYS,
    holidays: frozenset[date] = frozenset(),
) -> WorkCalendar:
    return WorkCalendar("test", zone, week, holidays)


def at(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def test_the_spec_example_friday_1700_plus_4_hours_is_monday_1230() -> None:
    friday = at(NY, 2026, 11, 20, 17, 0)
    due = add_working_hours(calendar(), friday, 4)
    assert due.astimezone(NY) == at(NY, 2026, 11, 23, 12, 30)
    assert working_hours_between(calendar(), friday, due) == pytest.approx(4)


ADD_CASES = [
    # (start local, hours, due local): New York, Mon-Fri 09:00-17:30
    ((2026, 11, 23, 10, 0), 2, (2026, 11, 23, 12, 0)),  # inside one day
    ((2026, 11, 23, 7, 0), 1, (2026, 11, 23, 10, 0)),  # before opening
    ((2026, 11, 23, 13, 30), 4, (2026, 11, 23, 17, 30)),  # ends exactly at closing
    ((2026, 11, 23, 17, 0), 8.5, (2026, 11, 24, 17, 0)),  # overnight
    ((2026, 11, 21, 11, 0), 1, (2026, 11, 23, 10, 0)),  # Saturday
    ((2026, 11, 20, 9, 0), 17, (2026, 11, 23, 17, 30)),  # two whole days over a weekend
    # DST in New York: Sunday 2026-03-08 and Sunday 2026-11-01; a weekday clock is unaffected.
    ((2026, 3, 6, 17, 0), 4, (2026, 3, 9, 12, 30)),
    ((2026, 10, 30, 17, 0), 4, (2026, 11, 2, 12, 30)),
]


@pytest.mark.parametrize(("start", "hours", "due"), ADD_CASES)
def test_add_working_hours_in_new_york(
    start: tuple[int, ...], hours: float, due: tuple[int, ...]
) -> None:
    found = add_working_hours(calendar(), at(NY, *start), hours)
    assert found.astimezone(NY).replace(tzinfo=None) == datetime(*due)  # type: ignore[misc]
    assert found.tzinfo is UTC


def test_a_holiday_has_no_working_time() -> None:
    thanksgiving = calendar(holidays=frozenset({date(2026, 11, 26)}))
    due = add_working_hours(thanksgiving, at(NY, 2026, 11, 25, 17, 0), 1)
    assert due.astimezone(NY) == at(NY, 2026, 11, 27, 9, 30)  # half an hour on Wednesday
    assert not is_working_at(thanksgiving, at(NY, 2026, 11, 26, 12, 0))


def test_daylight_saving_switch_inside_a_range_changes_the_real_hours() -> None:
    # A 00:00-06:00 shift every day: 5 real hours on 8 March 2026 in New York, 7 on 1 November.
    night = calendar(week=(((0, 360),),) * 7)
    spring = working_hours_between(night, at(NY, 2026, 3, 8, 0, 0), at(NY, 2026, 3, 8, 12, 0))
    autumn = working_hours_between(night, at(NY, 2026, 11, 1, 0, 0), at(NY, 2026, 11, 1, 12, 0))
    assert (spring, autumn) == (5, 7)
    # London switches on the last Sundays of March and October.
    london = calendar("Europe/London", week=(((0, 360),),) * 7)
    assert (
        working_hours_between(london, at(LONDON, 2026, 3, 29, 0, 0), at(LONDON, 2026, 3, 29, 12, 0))
        == 5
    )
    assert (
        working_hours_between(
            london, at(LONDON, 2026, 10, 25, 0, 0), at(LONDON, 2026, 10, 25, 12, 0)
        )
        == 7
    )


def test_london_hours_are_held_in_london_time_across_the_switch() -> None:
    london = calendar("Europe/London")
    friday = at(LONDON, 2026, 3, 27, 17, 0)  # GMT; Monday 30 March is BST
    due = add_working_hours(london, friday, 4)
    assert due.astimezone(LONDON) == at(LONDON, 2026, 3, 30, 12, 30)
    assert due == datetime(2026, 3, 30, 11, 30, tzinfo=UTC)


def test_hours_that_cross_midnight_count_on_both_days() -> None:
    # Friday 22:00-02:00 is stored as Fri 22:00-24:00 and Sat 00:00-02:00.
    week = ((), (), (), (), ((1320, 1440),), ((0, 120),), ())
    night = calendar("UTC", week)
    due = add_working_hours(night, datetime(2026, 11, 20, 12, 0, tzinfo=UTC), 3)
    assert due == datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    assert is_working_at(night, datetime(2026, 11, 21, 1, 59, tzinfo=UTC))
    assert not is_working_at(night, datetime(2026, 11, 21, 2, 0, tzinfo=UTC))


def test_one_working_day_a_week() -> None:
    wednesdays = calendar("UTC", ((), (), ((600, 720),), (), (), (), ()))
    due = add_working_hours(wednesdays, datetime(2026, 11, 19, 0, 0, tzinfo=UTC), 5)
    assert due == datetime(2026, 12, 9, 11, 0, tzinfo=UTC)  # 2 h on 25 Nov, 2 Dec, 1 h on 9 Dec
    start = datetime(2026, 11, 19, tzinfo=UTC)
    assert working_days_between(wednesdays, start, start + timedelta(days=28)) == 4


def test_next_working_start_and_a_calendar_without_hours() -> None:
    cal = calendar()
    assert next_working_start(cal, at(NY, 2026, 11, 21, 11, 0)) == at(NY, 2026, 11, 23, 9, 0)
    inside = at(NY, 2026, 11, 23, 11, 0)
    assert next_working_start(cal, inside) == inside
    empty = calendar(week=((),) * 7)
    assert next_working_start(empty, inside) is None
    assert working_hours_between(empty, inside, inside + timedelta(days=9)) == 0
    with pytest.raises(CalendarError, match="no working hours"):
        add_working_hours(empty, inside, 1)


def test_business_days_weigh_each_working_day_as_one() -> None:
    cal = calendar()
    friday_noon = at(NY, 2026, 11, 20, 13, 15)  # half way through Friday's 8.5 hours
    assert working_days_between(cal, friday_noon, at(NY, 2026, 11, 24, 13, 15)) == 2
    assert add_working_days(cal, friday_noon, 2).astimezone(NY) == at(NY, 2026, 11, 24, 13, 15)
    assert working_days_between(cal, at(NY, 2026, 11, 24, 0, 0), friday_noon) == -1.5


def test_in_zone_keeps_the_hours_in_the_users_own_zone() -> None:
    ny = calendar()
    london = ny.in_zone("Europe/London")
    assert (london.week, london.holidays) == (ny.week, ny.holidays)
    moment = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 14:00 London, 09:00 New York
    assert is_working_at(london, moment)
    assert is_working_at(ny, moment)
    assert not is_working_at(ny, moment - timedelta(hours=1))


@pytest.mark.parametrize(
    ("zone", "week", "message"),
    [
        ("Mars/Olympus", WEEKDAYS, "not an IANA time zone"),
        ("UTC", WEEKDAYS[:6], "a week has 7 days"),
        ("UTC", (((540, 1500),),) + ((),) * 6, "mon: 09:00-25:00 is not a range"),
        ("UTC", (((540, 720), (700, 800)),) + ((),) * 6, "overlaps"),
    ],
)
def test_a_bad_calendar_is_refused(zone: str, week: tuple, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(CalendarError, match=message):
        WorkCalendar("bad", zone, week)


def business_hours(**overrides: object) -> dict[str, object]:
    record: dict[str, object] = {"Id": "01m000000000001AAA", "Name": "Default"}
    record |= {"IsDefault": True, "IsActive": True, "TimeZoneSidKey": "America/New_York"}
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        record[f"{day}StartTime"] = "09:00:00.000Z"
        record[f"{day}EndTime"] = "17:30:00.000Z"
    for day in ("Saturday", "Sunday"):
        record[f"{day}StartTime"] = record[f"{day}EndTime"] = None
    record.update(overrides)
    return record


def test_calendar_from_business_hours_and_holidays() -> None:
    holidays = [
        {"Name": "Christmas", "IsAllDay": True, "ActivityDate": "2026-12-25",
         "IsRecurrence": False},
        {"Name": "Independence Day", "IsAllDay": True, "ActivityDate": "2020-07-04",
         "IsRecurrence": True, "RecurrenceType": "RecursYearly", "RecurrenceDayOfMonth": 4,
         "RecurrenceMonthOfYear": "July", "RecurrenceStartDate": "2020-07-04"},
        {"Name": "Thanksgiving", "IsAllDay": True, "IsRecurrence": True,
         "RecurrenceType": "RecursYearlyNth", "RecurrenceInstance": "Fourth",
         "RecurrenceDayOfWeekMask": 16, "RecurrenceMonthOfYear": "November",
         "RecurrenceStartDate": "2020-11-26"},
        {"Name": "Staff meeting", "IsAllDay": False, "ActivityDate": "2026-11-23",
         "StartTimeInMinutes": 540, "EndTimeInMinutes": 660, "IsRecurrence": False},
    ]  # fmt: skip
    cal = calendar_from_business_hours("org", business_hours(), holidays)
    assert cal.time_zone == "America/New_York"
    assert cal.week == WEEKDAYS
    assert {date(2026, 12, 25), date(2027, 7, 4), date(2026, 11, 26)} <= cal.holidays
    assert date(2027, 11, 25) in cal.holidays  # fourth Thursday of November 2027
    assert next_working_start(cal, at(NY, 2026, 11, 23, 8, 0)) == at(NY, 2026, 11, 23, 11, 0)


def test_business_hours_of_24_hours_and_closed_days() -> None:
    always = business_hours(MondayStartTime="00:00:00.000Z", MondayEndTime="00:00:00.000Z")
    cal = calendar_from_business_hours("org", always, [])
    assert cal.week[0] == ((0, 1440),)
    assert cal.week[5] == ()
    with pytest.raises(CalendarError, match="TimeZoneSidKey"):
        calendar_from_business_hours("org", business_hours(TimeZoneSidKey=None), [])
    with pytest.raises(CalendarError, match="MondayStartTime"):
        calendar_from_business_hours("org", business_hours(MondayStartTime="nine"), [])


# Properties: any start, any sensible calendar.
moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
zones = st.sampled_from(["America/New_York", "Europe/London", "Asia/Kolkata", "UTC"])


@st.composite
def weeks(draw: st.DrawFn) -> tuple[tuple[tuple[int, int], ...], ...]:
    days = []
    for _ in range(7):
        cuts = sorted(draw(st.sets(st.integers(0, 96), max_size=4)))
        pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
        days.append(tuple((a * 15, b * 15) for a, b in pairs if a < b))
    if not any(days):
        days[draw(st.integers(0, 6))] = ((540, 1050),)
    return tuple(days)


@settings(max_examples=150, deadline=None)
@given(start=moments, hours=st.floats(0, 200), zone=zones, week=weeks())
def test_the_working_hours_from_start_to_due_are_the_target(
    start: datetime, hours: float, zone: str, week: tuple[tuple[tuple[int, int], ...], ...]
) -> None:
    cal = WorkCalendar("p", zone, week, frozenset({date(2026, 12, 25), date(2027, 1, 1)}))
    due = add_working_hours(cal, start, hours)
    assert due >= start
    assert working_hours_between(cal, start, due) == pytest.approx(hours, abs=1e-5)
    if hours > 1e-3:  # a due time is working time or the end of it
        assert is_working_at(cal, due - timedelta(microseconds=2))


@settings(max_examples=100, deadline=None)
@given(a=moments, b=moments, c=moments, zone=zones, week=weeks())
def test_working_hours_add_up_over_consecutive_stretches(
    a: datetime, b: datetime, c: datetime, zone: str, week: tuple[tuple[tuple[int, int], ...], ...]
) -> None:
    cal = WorkCalendar("p", zone, week)
    a, b, c = sorted((a, b, c))
    whole = working_hours_between(cal, a, c)
    assert whole == pytest.approx(
        working_hours_between(cal, a, b) + working_hours_between(cal, b, c), abs=1e-6
    )
    assert 0 <= whole <= (c - a).total_seconds() / 3600 + 1e-9
    assert working_hours_between(cal, c, a) == pytest.approx(-whole)


@settings(max_examples=80, deadline=None)
@given(start=moments, days=st.floats(0, 40), zone=zones, week=weeks())
def test_business_days_round_trip(
    start: datetime, days: float, zone: str, week: tuple[tuple[tuple[int, int], ...], ...]
) -> None:
    cal = WorkCalendar("p", zone, week)
    later = add_working_days(cal, start, days)
    assert working_days_between(cal, start, later) == pytest.approx(days, abs=1e-6)


# The rules file's calendars section.
def rules_with(calendars: str, sla: str = "") -> str:
    from tests.rules.samples import RULES

    text = RULES.replace("version: 7\n", f"version: 7\ncalendars:\n{calendars}", 1)
    return f"{text}sla:\n{sla}" if sla else text


def test_named_calendars_are_built_from_the_rules_file() -> None:
    from rules import parse_rules

    text = rules_with(
        "  us_east:\n"
        "    time_zone: America/New_York\n"
        '    hours: {mon-fri: "09:00-17:30"}\n'
        "    holidays: [2026-12-25]\n"
        "    holidays_country: US\n"
        "  night:\n"
        "    time_zone: Europe/London\n"
        '    hours: {fri: "22:00-02:00", sat-sun: "10:00-12:00,13:00-14:00"}\n'
        "  org: salesforce\n",
        "  calendar: us_east\n  clock: business\n",
    )
    ruleset = parse_rules(text)
    us_east = ruleset.calendars["us_east"]
    assert us_east.week == WEEKDAYS
    assert {date(2026, 12, 25), date(2026, 11, 26), date(2027, 7, 5)} <= us_east.holidays
    weekend = ((600, 720), (780, 840))
    night = ((), (), (), (), ((1320, 1440),), ((0, 120), *weekend), weekend)
    assert ruleset.calendars["night"].week == night
    assert ruleset.org_calendars == {"org"}
    assert (ruleset.sla.clock, ruleset.sla.calendar) == ("business", "us_east")


@pytest.mark.parametrize(
    ("calendars", "sla", "place", "message"),
    [
        ('  a: {time_zone: Mars/Base, hours: {mon: "09:00-17:00"}}\n', "",
         "calendars.a.time_zone", "'Mars/Base' is not an IANA time zone"),
        ('  a: {time_zone: UTC, hours: {mon-fri: "09:00-25:00"}}\n', "",
         "calendars.a.hours.mon-fri", "'25:00' is not a time"),
        ('  a: {time_zone: UTC, hours: {mon: "09:00-12:00,11:00-13:00"}}\n', "",
         "calendars.a.hours", "overlaps"),
        ('  a: {time_zone: UTC, hours: {mon-fri: "09:00-17:00", fri: "18:00-19:00"}}\n', "",
         "calendars.a.hours.fri", "fri is already given by 'mon-fri'"),
        ('  a: {time_zone: UTC, hours: {monday: "09:00-17:00"}}\n', "",
         "calendars.a.hours.monday", "is not a day"),
        ('  a: {time_zone: UTC, hours: {mon: "09:00-17:00"}, holidays_country: XX}\n', "",
         "calendars.a.holidays_country", "'XX' is not a country code"),
        ("  a: workday\n", "", "calendars.a", "write 'salesforce'"),
        ('  a: {time_zone: UTC, hours: {mon: "09:00-17:00"}}\n', "  calendar: us_west\n",
         "sla.calendar", "'us_west' is no calendar: use one of owner, org, a"),
    ],
)  # fmt: skip
def test_calendar_mistakes_are_placed(calendars: str, sla: str, place: str, message: str) -> None:
    from rules import RulesInvalid, parse_rules

    with pytest.raises(RulesInvalid) as caught:
        parse_rules(rules_with(calendars, sla))
    found = [(issue.place, issue.message) for issue in caught.value.issues]
    assert any(p == place and message in m for p, m in found), found
    assert all(issue.line is not None for issue in caught.value.issues)
