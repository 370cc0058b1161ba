"""Availability by working calendar (table tests across daylight-saving changes, holidays,
midnight-crossing hours, a user in another zone than the calendar's) and the placed errors and
warnings of the routing sections."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rules import RulesInvalid, check_text, parse_rules
from rules.availability import AvailabilityCheck, People, Skip
from rules.calendar_rules import build_calendar
from tests.rules.samples import RULES

REP = "005000000000011AAA"
WEEKDAYS = {"mon-fri": "09:00-17:00"}
NY = build_calendar("us_east", {"time_zone": "America/New_York", "hours": WEEKDAYS,
                                "holidays": [datetime(2026, 12, 25).date()]})  # fmt: skip
LONDON = build_calendar("emea", {"time_zone": "Europe/London", "hours": {"mon-fri": "09:00-17:00"}})
NIGHT = build_calendar(
    "night", {"time_zone": "America/New_York", "hours": {"mon-fri": "22:00-06:00"}}
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("calendar", "zone", "at", "available"),
    [
        # New York, before the March switch (EST, UTC-5) and after it (EDT, UTC-4)
        (NY, None, utc(2026, 3, 6, 14, 0), True),  # Fri 09:00 EST
        (NY, None, utc(2026, 3, 9, 13, 30), True),  # Mon 09:30 EDT
        (NY, None, utc(2026, 3, 9, 12, 30), False),  # Mon 08:30 EDT (09:30 would be EST)
        # November: back to EST
        (NY, None, utc(2026, 11, 2, 13, 30), False),  # Mon 08:30 EST
        (NY, None, utc(2026, 11, 2, 14, 0), True),
        (NY, None, utc(2026, 10, 30, 13, 0), True),  # Fri 09:00 EDT
        # London: BST ends 25 October 2026
        (LONDON, None, utc(2026, 10, 23, 8, 0), True),  # Fri 09:00 BST
        (LONDON, None, utc(2026, 10, 26, 8, 0), False),  # Mon 08:00 GMT
        (LONDON, None, utc(2026, 10, 26, 9, 0), True),
        # a holiday
        (NY, None, utc(2026, 12, 25, 15, 0), False),
        # hours past midnight: Friday 22:00 to Saturday 06:00
        (NIGHT, None, utc(2026, 12, 5, 8, 0), True),  # Sat 03:00 New York
        (NIGHT, None, utc(2026, 12, 5, 12, 0), False),  # Sat 07:00
        (NIGHT, None, utc(2026, 12, 7, 8, 0), False),  # Mon 03:00: Sunday had no night shift
        # the New York hours held in a London user's own TimeZoneSidKey
        (NY, "Europe/London", utc(2026, 12, 2, 9, 30), True),  # 09:30 in London
        (NY, "Europe/London", utc(2026, 12, 2, 18, 0), False),  # 13:00 in New York, 18:00 there
    ],
)
def test_working_hours_decide_availability(calendar, zone, at, available) -> None:  # type: ignore[no-untyped-def]
    people = People(now=at, zones={REP: zone} if zone else {})
    check = AvailabilityCheck(people, calendar, {})
    why = check.off_shift(REP)
    assert (why is None) is available
    if why is not None:
        assert why.skip in (Skip.OUTSIDE_HOURS, Skip.HOLIDAY)
        assert why.until is not None
        assert why.until > at


def test_a_holiday_is_named_as_such_and_a_user_calendar_overrides_the_zone() -> None:
    check = AvailabilityCheck(People(now=utc(2026, 12, 25, 15)), NY, {})
    assert check.off_shift(REP).skip is Skip.HOLIDAY  # type: ignore[union-attr]
    check = AvailabilityCheck(People(now=utc(2026, 12, 2, 9, 30), zones={REP: "Asia/Tokyo"}), NY,
                              {REP: LONDON})  # fmt: skip
    assert check.off_shift(REP) is None


ROUTING = (
    RULES.replace(
        "  max_open_mqls_per_owner: 2\n",
        "  max_open_mqls_per_owner: 2\n  availability:\n    calendar: us_east\n",
    )
    + """calendars:
  us_east:
    time_zone: America/New_York
    hours: {mon-fri: "09:00-17:30"}
"""
)


def errors(text: str) -> list[tuple[str, str]]:
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(text)
    return [(i.place, i.message) for i in caught.value.issues]


@pytest.mark.parametrize(
    ("old", "new", "place", "words"),
    [
        (
            "America/New_York",
            "America/Nowhere",
            "calendars.us_east.time_zone",
            "is not an IANA time zone",
        ),
        (
            '"09:00-17:30"',
            '"09:00-25:00"',
            "calendars.us_east.hours.mon-fri",
            "'25:00' is not a time",
        ),
        ('"09:00-17:30"', '"09:00-12:00,11:00-17:00"', "calendars.us_east.hours", "overlaps"),
        (
            "calendar: us_east",
            "calendar: nowhere",
            "assignment.availability.calendar",
            "'nowhere' is no calendar",
        ),
        (
            'pool: ["005000000000001AAA", "005000000000002AAA"]',
            'pool: [{user: "005000000000001AAA", weight: 0}]',
            "assignment.routes[0].pool[0].weight",
            "is not a weight",
        ),
        (
            'pool: ["005000000000001AAA", "005000000000002AAA"]',
            "owner: account_owner",
            "assignment.routes[0].owner",
            "needs an account condition",
        ),
    ],
)
def test_routing_errors_are_placed(old: str, new: str, place: str, words: str) -> None:
    found = errors(ROUTING.replace(old, new, 1))
    assert any(p == place and words in m for p, m in found), found


def test_a_route_with_no_working_hours_at_all_is_a_warning_naming_it() -> None:
    text = ROUTING.replace('hours: {mon-fri: "09:00-17:30"}', "hours: {}")
    result = check_text(text, "rules.yaml")
    assert result.ok
    assert any(
        "assignment.routes[0]: warning: route 0 has no working hours at all" in line
        for line in result.lines
    ), result.lines


def test_a_breach_reassignment_passes_over_a_member_out_of_office() -> None:
    from rules import AssignmentState, Roster
    from rules.availability import Absence
    from rules.breach import breach_reassignment

    reps = ["005000000000011AAA", "005000000000012AAA", "005000000000013AAA"]
    text = RULES.replace("  max_open_mqls_per_owner: 2\n", "  availability: {}\n").replace(
        '["005000000000001AAA", "005000000000002AAA"]',
        "[" + ", ".join(f'"{r}"' for r in reps) + "]",
    )
    ruleset = parse_rules(text)
    at = utc(2026, 12, 2, 15)
    people = People(now=at, absences=[Absence(reps[1], utc(2026, 12, 1), utc(2026, 12, 4))])
    roster = Roster(users=dict.fromkeys(reps, True), people=people)
    fields = {"Country": "US", "OwnerId": reps[0]}
    choice, _ = breach_reassignment(ruleset, "L1", fields, [reps[0]], AssignmentState(), roster)
    assert choice.owner_id == reps[2]
    assert [s.member for s in choice.skipped] == [reps[1]]
    assert "out of office until 2026-12-04" in choice.reason
