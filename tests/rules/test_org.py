"""The rules checked against an org's facts: fields, types, statuses, writeback, pool members."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from rules import (
    Issue,
    LeadField,
    OrgFacts,
    check_against_org,
    decide,
    multi_select_fields,
    parse_rules,
)
from rules.decide import DecisionContext, LeadFacts
from tests.rules.samples import MARKETO_USER, OPEN, QUEUE, REP_1, REP_2, RULES

TEXT = LeadField("string", updateable=True, length=255)
FIELDS = {
    "NumberOfEmployees": LeadField("int", updateable=True),
    "Title": LeadField("string", updateable=True, length=128),
    "Country": LeadField("string", updateable=True, length=80),
    "LeadSource": LeadField("picklist", updateable=True, picklist_values=frozenset({"Webinar"})),
    "Website_Visits__c": LeadField("string", updateable=True, length=10),
    "Company": TEXT,
    "Email": LeadField("email", updateable=True, length=80),
    "Phone": LeadField("phone", updateable=True, length=40),
    "MQL_Date__c": LeadField("datetime", updateable=True),
    "Lead_Score__c": LeadField("double", updateable=True),
    "MQL_Reason__c": TEXT,
    "Interests__c": LeadField("multipicklist", updateable=True),
}
STATUSES = {
    "Marketing Qualified": True, OPEN: True, "Nurturing": True, "Working - Contacted": True,
    "Closed - Not Converted": True,
}  # fmt: skip
ORG = OrgFacts(
    lead_fields=FIELDS,
    lead_statuses=STATUSES,
    users={REP_1: True, REP_2: True, MARKETO_USER: True},
    lead_queues={QUEUE},
    queues={QUEUE},
)


def issues_for(text: str = RULES, **changes: Any) -> list[tuple[int | None, str, str, str]]:
    found = check_against_org(parse_rules(text), replace(ORG, **changes))
    return [(i.line, i.place, i.message, i.severity) for i in found]


def test_rules_that_fit_the_org_have_no_issues() -> None:
    assert issues_for() == []


def test_a_field_the_org_lacks_is_an_error_with_a_suggestion() -> None:
    fields = {k: v for k, v in FIELDS.items() if k != "Website_Visits__c"}
    fields["website_visits__C"] = TEXT
    assert issues_for(lead_fields=fields) == [
        (13, "interest[1].field",
         "'Website_Visits__c' is not a Lead field in this org (or not visible to our user); "
         "did you mean 'website_visits__C'?", "error"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("field: Title, op: matches", "field: NumberOfEmployees, op: matches",
         (9, "fit[1].op", "NumberOfEmployees is a int field; matches needs a text field")),
        ("field: LeadSource, op: eq, value: Webinar",
         "field: NumberOfEmployees, op: eq, value: Webinar",
         (12, "interest[0].value", "'Webinar' is text, but NumberOfEmployees is a int field")),
        ("field: LeadSource, op: eq, value: Webinar", "field: MQL_Date__c, op: eq, value: 5",
         (12, "interest[0].value", "5 is a number, but MQL_Date__c is a datetime field")),
        ("field: LeadSource, op: eq, value: Webinar", "field: Company, op: eq, value: true",
         (12, "interest[0].value", "True is true/false, but Company is a string field")),
        ('field: Country, op: in, value: ["US", "USA"], points',
         'field: NumberOfEmployees, op: in, value: [5, "10"], points',
         (10, "fit[2].value[1]",
          "'10' is text, but NumberOfEmployees is a int field; write it without quotes")),
        ('field: Country, op: in, value: ["US", "USA"], points',
         'field: NumberOfEmployees, op: in, value: [5, "many"], points',
         (10, "fit[2].value[1]", "'many' is text, but NumberOfEmployees is a int field")),
    ],
)  # fmt: skip
def test_a_value_that_does_not_suit_the_field_type_is_an_error(
    old: str, new: str, expected: tuple[int, str, str]
) -> None:
    assert issues_for(RULES.replace(old, new)) == [(*expected, "error")]


def test_numbers_held_in_text_fields_are_fine() -> None:
    text = RULES.replace(
        "field: LeadSource, op: eq, value: Webinar", "field: Company, op: eq, value: 5"
    )
    assert issues_for(text) == []


def test_an_unknown_picklist_value_is_a_warning() -> None:
    text = RULES.replace("op: eq, value: Webinar", "op: eq, value: Webinarr")
    assert issues_for(text) == [
        (12, "interest[0].value",
         "'Webinarr' is not a value of the LeadSource picklist in this org", "warning"),
    ]  # fmt: skip


def test_statuses_must_be_active_lead_status_values() -> None:
    statuses = {**STATUSES, "Nurturing": False}
    del statuses["Closed - Not Converted"]
    statuses["Closed - Not Convertd"] = True
    assert issues_for(lead_statuses=statuses) == [
        (4, "statuses.eligible_from[1]", "'Nurturing' is an inactive Lead Status value", "error"),
        (6, "statuses.rejected[0]", "'Closed - Not Converted' is not a Lead Status value in this "
         "org; did you mean 'Closed - Not Convertd'?", "error"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("field", "facts", "expected"),
    [
        ("MQL_Date__c", None,
         (28, "writeback.mql_date_field",
          "'MQL_Date__c' is not a Lead field in this org (or not visible to our user); "
          "did you mean 'MQL_Reason__c'?")),
        ("MQL_Date__c", LeadField("datetime", updateable=False),
         (28, "writeback.mql_date_field", "MQL_Date__c is not updateable by our user")),
        ("MQL_Date__c", LeadField("string", updateable=True, length=255),
         (28, "writeback.mql_date_field",
          "MQL_Date__c is a string field; mql_date_field needs a date or datetime field")),
        ("Lead_Score__c", LeadField("string", updateable=True, length=255),
         (29, "writeback.score_field",
          "Lead_Score__c is a string field; score_field needs a number field")),
        ("MQL_Reason__c", LeadField("string", updateable=True, length=100),
         (30, "writeback.reason_field",
          "MQL_Reason__c holds 100 characters; the reason needs 255")),
        ("MQL_Reason__c", LeadField("picklist", updateable=True),
         (30, "writeback.reason_field",
          "MQL_Reason__c is a picklist field; reason_field needs a text field")),
    ],
)  # fmt: skip
def test_writeback_fields_must_exist_be_updateable_and_fit(
    field: str, facts: LeadField | None, expected: tuple[int, str, str]
) -> None:
    fields = {k: v for k, v in FIELDS.items() if k != field}
    if facts is not None:
        fields[field] = facts
    assert issues_for(lead_fields=fields) == [(*expected, "error")]


def test_a_date_field_accepts_a_long_text_area_reason_and_a_date_mql_date() -> None:
    fields = {**FIELDS, "MQL_Date__c": LeadField("date", updateable=True),
              "MQL_Reason__c": LeadField("textarea", updateable=True, length=32768)}  # fmt: skip
    assert issues_for(lead_fields=fields) == []


def test_pool_members_must_be_users_or_lead_queues_and_inactive_users_warn() -> None:
    other_queue = "00G000000000002EAA"
    text = RULES.replace(
        f'pool: ["{QUEUE}"]', f'pool: ["{QUEUE}", "{other_queue}", "00G000000000003EAA"]'
    )
    users = {REP_1: False, MARKETO_USER: True}
    assert issues_for(text, users=users, queues={QUEUE, other_queue}) == [
        (25, "assignment.routes[0].pool[0]",
         f"user {REP_1} is inactive; the round robin skips them", "warning"),
        (25, "assignment.routes[0].pool[1]", f"{REP_2} is no user in this org", "error"),
        (26, "assignment.routes[1].pool[1]", f"queue {other_queue} does not take Leads", "error"),
        (26, "assignment.routes[1].pool[2]", "00G000000000003EAA is no queue in this org", "error"),
    ]  # fmt: skip


def test_an_unknown_reassign_from_user_is_a_warning() -> None:
    assert issues_for(users={REP_1: True, REP_2: True}) == [
        (21, "assignment.reassign_from[0]", f"{MARKETO_USER} is no user in this org", "warning"),
    ]


def test_org_ids_match_in_either_length() -> None:
    users = {REP_1[:15]: True, REP_2[:15]: True, MARKETO_USER[:15]: True}
    assert issues_for(users=users, lead_queues={QUEUE[:15]}) == []


def test_multi_select_fields_from_the_org_make_contains_test_elements() -> None:
    text = RULES.replace(
        "field: Company, op: starts_with, value: Test",
        "field: Interests__c, op: contains, value: Analy",
    )
    lead = LeadFacts(fields={"Interests__c": "Analytics"}, status=OPEN)
    unknown = decide(parse_rules(text), lead, DecisionContext())
    known = decide(
        parse_rules(text, multi_select=multi_select_fields(ORG)), lead, DecisionContext()
    )
    assert unknown.interest == -40  # text search: "Analy" is inside "Analytics"
    assert known.interest == 0  # element test: "Analy" is no element


def test_issues_are_issue_objects_in_file_order() -> None:
    found = check_against_org(parse_rules(RULES), replace(ORG, users={}))
    assert all(isinstance(issue, Issue) for issue in found)
    assert [issue.line for issue in found] == sorted(issue.line or 0 for issue in found)


def test_route_and_disqualify_conditions_are_checked_too() -> None:
    fields = {k: v for k, v in FIELDS.items() if k not in ("Country", "Email")}
    found = issues_for(lead_fields=fields)
    assert [(line, place) for line, place, _, _ in found] == [
        (10, "fit[2].field"),
        (17, "disqualify[0].field"),
        (18, "handoff_requires[0]"),
        (24, "assignment.routes[0].when[0].field"),
    ]
