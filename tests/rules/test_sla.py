"""SLA targets, due and stale times on both clocks, breach step times, and the SLA checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rules import RulesInvalid, check_against_org, parse_rules
from rules.calendars import WorkCalendar
from rules.sla import breach_step_at, pick_target, sla_times
from tests.rules.samples import QUEUE, RULES
from tests.rules.test_org import FIELDS, ORG

NY_WEEK = (((540, 1050),),) * 5 + ((), ())
NY = WorkCalendar("us_east", "America/New_York", NY_WEEK)
FRIDAY_5PM = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)  # 17:00 in New York

SLA = """\
sla:
  first_touch_hours: 24
  clock: business
  calendar: org
  targets:
    - {name: hot, when: [{field: Rating, op: eq, value: Hot}], first_touch_hours: 4}
    - when: [{field: Country, op: in, value: [US]}]
      first_touch_hours: 8
  stale_days: 3
"""


def test_targets_first_match_wins_else_the_default() -> None:
    ruleset = parse_rules(RULES + SLA)
    targets, default = ruleset.sla_targets, ruleset.sla.first_touch_hours
    assert pick_target(targets, default, {"Rating": "Hot", "Country": "US"}) == ("hot", 4)
    assert pick_target(targets, default, {"Rating": "Cold", "Country": "US"}) == ("targets[1]", 8)
    assert pick_target(targets, default, {"Country": "FR"}) == ("default", 24)
    assert "Rating" in ruleset.lead_fields


def test_business_clock_times_follow_the_calendar() -> None:
    times = sla_times(
        NY, target=("hot", 4), stale_days=3, mql_at=FRIDAY_5PM,
        first_touch_at=datetime(2026, 11, 23, 15, 0, tzinfo=UTC), clock_at=FRIDAY_5PM,
    )  # fmt: skip
    assert times.due_at == datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 12:30 Monday in New York
    assert times.hours_to_first_touch == 1.5  # half an hour on Friday, 09:00-10:00 Monday
    assert times.stale_at == datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # three business days
    assert (times.target, times.target_hours) == ("hot", 4)


def test_calendar_clock_times_are_wall_clock() -> None:
    times = sla_times(
        None, target=("default", 24), stale_days=14, mql_at=FRIDAY_5PM,
        first_touch_at=FRIDAY_5PM + timedelta(hours=30), clock_at=FRIDAY_5PM,
    )  # fmt: skip
    assert times.due_at == FRIDAY_5PM + timedelta(hours=24)
    assert times.stale_at == FRIDAY_5PM + timedelta(days=14)
    assert times.hours_to_first_touch == 30


def test_breach_steps_count_on_the_same_clock() -> None:
    due = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # Friday 16:00 in New York
    assert breach_step_at(NY, due, 0) == due
    assert breach_step_at(NY, due, 4) == datetime(2026, 11, 23, 16, 30, tzinfo=UTC)
    assert breach_step_at(None, due, 4) == due + timedelta(hours=4)


def errors(text: str) -> list[tuple[str, str]]:
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(text)
    return [(issue.place, issue.message) for issue in caught.value.issues]


def test_reassign_on_a_queue_route_is_an_error_unless_the_step_leaves_it_out() -> None:
    step = "  on_breach:\n    - {after_hours: 4, reassign: true}\n"
    found = errors(RULES + "sla:\n" + step)
    assert ("sla.on_breach[0].reassign", found[0][1]) in found
    assert "route 1 hands its leads to a queue" in found[0][1]
    limited = "  on_breach:\n    - {after_hours: 4, reassign: true, routes: [0]}\n"
    assert parse_rules(RULES + "sla:\n" + limited).sla.on_breach[0].routes == [0]
    assert QUEUE in RULES


@pytest.mark.parametrize(
    ("step", "place", "message"),
    [
        ("{after_hours: 0}", "sla.on_breach[0]", "a step does one thing"),
        ("{notify: {webhook_env: HOOK}, reassign: true, routes: [0]}", "sla.on_breach[0]",
         "a step does one thing"),
        ("{reassign: true, routes: [5]}", "sla.on_breach[0].routes[0]", "5 is no route"),
        ("{notify: {webhook_env: 'not a name'}}", "sla.on_breach[0].notify.webhook_env", ""),
        ("{after_hours: -1, notify: {webhook_env: HOOK}}", "sla.on_breach[0].after_hours", ""),
    ],
)  # fmt: skip
def test_bad_breach_steps_are_placed(step: str, place: str, message: str) -> None:
    found = errors(RULES + f"sla:\n  on_breach:\n    - {step}\n")
    assert any(p == place and message in m for p, m in found), found


def test_an_org_calendar_needs_the_orgs_business_hours() -> None:
    ruleset = parse_rules(RULES + SLA)
    fields = {**FIELDS, "Rating": FIELDS["Company"]}
    issues = check_against_org(ruleset, replace(ORG, lead_fields=fields))
    assert [(i.place, i.severity) for i in issues if "BusinessHours" in i.message] == [
        ("sla.calendar", "error")
    ]
    with_hours = replace(ORG, lead_fields=fields, business_hours=NY)
    assert check_against_org(ruleset, with_hours) == []
